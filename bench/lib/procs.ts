/**
 * Child processes of the bench: targets that announce themselves with one
 * JSON line on stdout (bench/targets/protocol.ts), and helpers (nats-server)
 * that only need to be stopped. Everything started here is registered, so an
 * interrupt or a failure stops it, and every temporary folder is removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ReadyLine } from '../targets/protocol.js';
import { MEMORY_MARK, type MemoryLine } from '../targets/protocol.js';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');

export const say = (line: string) => process.stderr.write(`${line}\n`);

export interface Target {
  name: string;
  proc: ChildProcess;
  ready: ReadyLine;
  exited: Promise<number | null>;
  /** Resolvers waiting for the next memory line this target prints on stderr (after SIGUSR2). */
  memoryWaiters: ((line: MemoryLine) => void)[];
}

const live = new Set<Target>();
const helpers = new Set<{ name: string; proc: ChildProcess; exited: Promise<number | null> }>();
const cleanups = new Set<() => Promise<void>>();
export const tempDirs = new Set<string>();

/** Registers work to do on the way out (dropping a database), run once by cleanUp(). */
export function onCleanUp(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Starts `node --import tsx bench/targets/<file>`, prefixes its stderr, resolves on its one-line JSON announcement. */
export async function startTarget(name: string, file: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Target> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`, `--cpu-prof-name=${name.replace(/[^A-Za-z0-9_-]+/g, '-')}-${Date.now()}.cpuprofile`] : [];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', join(BENCH_DIR, 'targets', file)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => proc.once('exit', (code, signal) => done(code ?? (signal ? 128 : null))));
  const target: Target = { name, proc, exited, ready: undefined as unknown as ReadyLine, memoryWaiters: [] };
  live.add(target); // from now on an interrupt stops it too
  createInterface({ input: proc.stderr! }).on('line', (line) => {
    if (line.startsWith(MEMORY_MARK)) {
      try {
        const parsed = JSON.parse(line.slice(MEMORY_MARK.length)) as MemoryLine;
        for (const w of target.memoryWaiters.splice(0)) w(parsed);
      } catch {
        say(`  [${name}] ${line}`);
      }
      return;
    }
    say(`  [${name}] ${line}`);
  });
  const lines = createInterface({ input: proc.stdout! });
  target.ready = await new Promise<ReadyLine>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not become ready within ${timeoutMs / 1000} s`)), timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolveReady(JSON.parse(line) as ReadyLine);
      } catch {
        reject(new Error(`${name} announced something that is not JSON: ${line}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before it was ready`));
    });
  }).catch(async (error: unknown) => {
    await stopTarget(target);
    throw error;
  });
  lines.on('line', (line) => say(`  [${name}] (stdout) ${line}`));
  return target;
}

/** SIGTERM (the target drains and closes), then SIGKILL if it has not exited after `graceMs`. */
export async function stopTarget(target: Pick<Target, 'name' | 'proc' | 'exited'>, graceMs = 15_000): Promise<void> {
  live.delete(target as Target);
  if (target.proc.exitCode !== null || target.proc.signalCode !== null) return;
  target.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
  const outcome = await Promise.race([target.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    say(`${target.name} did not stop within ${graceMs / 1000} s: SIGKILL`);
    target.proc.kill('SIGKILL');
    await target.exited;
  }
}

/** Starts a helper program (not a target: it announces nothing); stopped by stopHelper or cleanUp. */
export function startHelper(name: string, command: string, args: string[]): { name: string; proc: ChildProcess; exited: Promise<number | null>; output: () => string } {
  // Its own process group: a Ctrl-C reaches the targets (which stop cleanly) but not the helper they still
  // need while stopping; cleanUp stops it after them.
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => {
    proc.once('exit', (code, signal) => done(code ?? (signal ? 128 : null)));
    proc.once('error', (error) => {
      keep(Buffer.from(String(error)));
      done(127);
    });
  });
  const helper = { name, proc, exited, output: () => output };
  helpers.add(helper);
  return helper;
}

export async function stopHelper(helper: { name: string; proc: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  helpers.delete(helper);
  await stopTarget(helper, 5_000);
}

/** Removes one temporary folder now (and forgets it). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  }
}

export async function cleanUp(): Promise<void> {
  await Promise.all([...live].map((t) => stopTarget(t)));
  await Promise.all([...helpers].map((h) => stopHelper(h)));
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    await fn().catch((error: unknown) => say(`clean-up failed: ${String(error)}`));
  }
  removeTempDirs();
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields, in clock ticks (100 a second on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of several processes so far, summed; undefined if one of them cannot be read. */
export function cpuSecondsOfAll(pids: (number | undefined)[]): number | undefined {
  const each = pids.map(cpuSecondsOf);
  return each.some((s) => s === undefined) ? undefined : each.reduce<number>((a, s) => a + s!, 0);
}

/** Resident set size of a process in MiB, from /proc/<pid>/status (VmRSS); undefined if it cannot be read. */
export function rssMbOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Asks a target for process.memoryUsage() (SIGUSR2; it answers with one marked line on stderr). */
export async function memoryOf(target: Target, timeoutMs = 5_000): Promise<MemoryLine | undefined> {
  if (target.proc.exitCode !== null || target.proc.signalCode !== null) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const answer = new Promise<MemoryLine | undefined>((r) => {
    target.memoryWaiters.push(r);
    timer = setTimeout(() => r(undefined), timeoutMs);
  });
  target.proc.kill('SIGUSR2');
  const line = await answer;
  clearTimeout(timer);
  return line;
}
