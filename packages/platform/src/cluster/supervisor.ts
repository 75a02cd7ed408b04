import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { answersReady } from '../upstreams.js';
import { type ProcessSpec, urlOf } from './plan.js';

/** How long to wait before restarting a process that died after `failures` quick deaths in a row: 0.25 s doubling to 10 s. */
export function restartDelayMs(failures: number): number {
  return Math.min(250 * 2 ** failures, 10_000);
}

/** A process that ran this long before it died starts its backoff afresh. */
const STABLE_AFTER_MS = 30_000;

/** How long a process may take to stop after SIGTERM (its own grace is 20 s) before its group gets SIGKILL. */
const STOP_GRACE_MS = 25_000;

interface Supervised {
  spec: ProcessSpec;
  child?: ChildProcess;
  exited?: Promise<void>;
  startedAt: number;
  failures: number;
  restartTimer?: NodeJS.Timeout;
}

export interface SupervisorOptions {
  /** The command every process runs: node itself and its arguments, never a wrapper that leaves children behind. */
  command: string;
  args: string[];
  cwd: string;
  /** Environment every process shares; its spec's env goes on top. */
  env: Record<string, string | undefined>;
  /** Where the prefixed lines go. */
  write: (line: string) => void;
}

/**
 * Runs a cluster's processes: each in a process group of its own (a
 * terminal's Ctrl-C reaches the supervisor, which stops them in order, not
 * each at once), its output prefixed with its name, restarted with backoff
 * when it dies, and stopped with SIGTERM, then SIGKILL to its group.
 */
export class Supervisor {
  private readonly procs = new Map<string, Supervised>();
  private stopping = false;
  private readonly width: number;

  constructor(
    private readonly opts: SupervisorOptions,
    specs: ProcessSpec[],
  ) {
    this.width = Math.max(...specs.map((s) => s.name.length));
    for (const spec of specs) this.procs.set(spec.name, { spec, startedAt: 0, failures: 0 });
  }

  /** Starts each phase's processes together and waits until every one of them is ready before the next phase. */
  async start(readyTimeoutMs = 180_000): Promise<void> {
    const phases = [...new Set([...this.procs.values()].map((p) => p.spec.phase))].sort((a, b) => a - b);
    for (const phase of phases) {
      const members = [...this.procs.values()].filter((p) => p.spec.phase === phase);
      for (const p of members) this.launch(p);
      await Promise.all(members.map((p) => this.untilReady(p.spec, readyTimeoutMs)));
      if (this.stopping) return;
    }
  }

  /** The pid each process runs as now (undefined while it is being restarted). */
  pids(): Map<string, number | undefined> {
    return new Map([...this.procs].map(([name, p]) => [name, p.child?.exitCode === null && p.child.signalCode === null ? p.child.pid : undefined]));
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const all = [...this.procs.values()];
    for (const p of all) clearTimeout(p.restartTimer);
    // The gateway first (it stops taking requests), then the services, each draining its own work.
    const gateway = all.filter((p) => p.spec.service === 'gateway');
    await Promise.all(gateway.map((p) => this.terminate(p)));
    await Promise.all(all.filter((p) => !gateway.includes(p)).map((p) => this.terminate(p)));
  }

  private say(name: string, line: string): void {
    this.opts.write(`${name.padEnd(this.width)} | ${line}`);
  }

  private launch(p: Supervised): void {
    const child = spawn(this.opts.command, this.opts.args, {
      cwd: this.opts.cwd,
      env: { ...this.opts.env, ...p.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    p.child = child;
    p.startedAt = Date.now();
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => this.say(p.spec.name, line));
    p.exited = new Promise((done) => {
      child.once('error', (error) => {
        this.say(p.spec.name, `cannot start: ${error.message}`);
      });
      child.once('exit', (code, signal) => {
        done();
        if (this.stopping) return;
        // Deaths in a row, counting afresh after a process that had run a while.
        p.failures = Date.now() - p.startedAt >= STABLE_AFTER_MS ? 1 : p.failures + 1;
        const delay = restartDelayMs(p.failures - 1);
        this.say(p.spec.name, `exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
        p.restartTimer = setTimeout(() => {
          this.launch(p);
          this.say(p.spec.name, `restarted: pid ${p.child?.pid} at ${urlOf(p.spec)}`);
        }, delay);
      });
    });
  }

  private async untilReady(spec: ProcessSpec, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stopping) {
      if (await answersReady(urlOf(spec)).catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${spec.name} was not ready at ${urlOf(spec)} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async terminate(p: Supervised): Promise<void> {
    const child = p.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    group('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const overran = new Promise<true>((r) => (timer = setTimeout(() => r(true), STOP_GRACE_MS)));
    if ((await Promise.race([p.exited, overran])) === true) {
      this.say(p.spec.name, `did not stop within ${STOP_GRACE_MS / 1000} s: SIGKILL`);
      group('SIGKILL');
      await p.exited;
    }
    clearTimeout(timer);
  }
}
