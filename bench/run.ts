/**
 * `npm run bench`: requests per second of the order placement route
 * (POST /api/orders on the real embedded platform) beside a bare Fastify
 * route on the same machine, in one run, written out as JSON.
 *
 * Each target runs in its own child process; the load generator
 * (autocannon) runs here, so it never shares the server's event loop.
 * It does share the machine's CPUs: read the ratio, not the absolute figures,
 * when comparing machines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, freemem, loadavg, platform as osPlatform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { tokenAuthority } from '@omnishop/kit';
import { ORDER_BODY, type ReadyLine } from './targets/protocol.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const require = createRequire(import.meta.url);

const HELP = `Usage: npm run bench -- [options]
       npm run bench fuzz -- [options]   (the fuzz run; see npm run bench fuzz -- --help)

Measures req/s of POST /api/orders on the real embedded platform beside a bare
Fastify POST route and the kit's request pipeline in front of the same answer
(no database), one after the other, each server in its own child process,
load from autocannon in this process. Prints a table to stdout (progress to
stderr) and writes the figures as JSON.

Options:
  --duration <s>        measured seconds per target (default 10)
  --connections <n>     concurrent connections (default 50)
  --warmup <s>          unmeasured load before each measured run (default 3)
  --settle <s>          after the platform run, how long to watch pending orders
                        being confirmed (default 5)
  --out <file>          JSON output (default bench/results/order-placement-<timestamp>.json)
  --quick               smoke run: 2 s measured, 1 s warm-up, 2 s settle
                        (explicit --duration/--warmup/--settle still win)
  --sqlite-sync <mode>  FULL (default, the production default) or NORMAL
  --log-level <level>   platform log level (default info, the production default)
  --log-file <path>     where the platform writes its log lines (default /dev/null)
  --data-parent <dir>   where the platform's temporary data folder is made
                        (default ${tmpdir()}); its file system is recorded,
                        since fsync cost depends on it
  -h, --help            this text

Environment:
  BENCH_SERVICES        services the platform target runs (default: all), e.g.
                        catalog,inventory,order,payment for the order core alone
                        (an order is confirmed once stock is held and it is paid)
  BENCH_PROFILE_DIR     write a V8 CPU profile of each target there (node --cpu-prof)
`;

interface Options {
  durationS: number;
  connections: number;
  warmupS: number;
  settleS: number;
  out: string;
  sqliteSync: 'FULL' | 'NORMAL';
  logLevel: string;
  logFile: string;
  dataParent: string;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      settle: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'sqlite-sync': { type: 'string' },
      'log-level': { type: 'string' },
      'log-file': { type: 'string' },
      'data-parent': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const number = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const quick = values.quick;
  const sqliteSync = (values['sqlite-sync'] ?? 'FULL').toUpperCase();
  if (sqliteSync !== 'FULL' && sqliteSync !== 'NORMAL') throw new UsageError(`--sqlite-sync must be FULL or NORMAL, got ${JSON.stringify(values['sqlite-sync'])}`);
  const logLevel = values['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new UsageError(`--log-level ${logLevel} is not a pino level`);
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return {
    durationS: number('duration', values.duration, quick ? 2 : 10, 1),
    connections: number('connections', values.connections, 50, 1),
    warmupS: number('warmup', values.warmup, quick ? 1 : 3, 0),
    settleS: number('settle', values.settle, quick ? 2 : 5, 0),
    out: resolve(values.out ?? join(BENCH_DIR, 'results', `order-placement-${stamp}.json`)),
    sqliteSync,
    logLevel,
    logFile: values['log-file'] ? resolve(values['log-file']) : '/dev/null',
    dataParent: resolve(values['data-parent'] ?? tmpdir()),
  };
}

class UsageError extends Error {}

// ---------------------------------------------------------------- children

interface Target {
  name: string;
  proc: ChildProcess;
  ready: ReadyLine;
  exited: Promise<number | null>;
}

const live = new Set<Target>();
const tempDirs = new Set<string>();

/** Starts `node --import tsx <file>`, prefixes its stderr, resolves on its one-line JSON announcement. */
async function startTarget(name: string, file: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Target> {
  const proc = spawn(process.execPath, [...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []), '--import', 'tsx', join(BENCH_DIR, 'targets', file)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => proc.once('exit', (code, signal) => done(code ?? (signal ? 128 : null))));
  const target: Target = { name, proc, exited, ready: undefined as unknown as ReadyLine };
  live.add(target); // from now on an interrupt stops it too
  createInterface({ input: proc.stderr! }).on('line', (line) => say(`  [${name}] ${line}`));
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
async function stopTarget(target: Target, graceMs = 15_000): Promise<void> {
  live.delete(target);
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

function removeTempDirs(): void {
  for (const dir of tempDirs) {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  }
}

async function cleanUp(): Promise<void> {
  await Promise.all([...live].map((t) => stopTarget(t)));
  removeTempDirs();
}

// ---------------------------------------------------------------- load

interface LoadFigures {
  url: string;
  method: 'POST';
  durationS: number;
  connections: number;
  requestsPerSec: { mean: number; stddev: number; min: number; max: number };
  /** autocannon records whole milliseconds; mean is over those. */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  requests: number;
  responses2xx: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  throughputBytesPerSec: number;
  /**
   * CPU used during the run, in % of one core (100 = one core busy): the server child, autocannon in this
   * process, the whole machine, and what is left for everything else (should be near 0 on a quiet machine).
   */
  cpuPct: { server: number | null; loadGenerator: number; machine: number; other: number | null };
}

function loadOptions(ready: ReadyLine, token: string, connections: number, durationS: number): autocannon.Options {
  return {
    url: ready.url + ready.path,
    method: 'POST',
    connections,
    duration: durationS,
    body: ORDER_BODY(ready.sku),
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': 'bench-[<id>]',
    },
    idReplacement: true, // a fresh idempotency key per request: every request is a new order
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
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

async function load(target: Target, token: string, connections: number, durationS: number): Promise<LoadFigures> {
  const ready = target.ready;
  const serverBefore = cpuSecondsOf(target.proc.pid);
  const selfBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const wallBefore = performance.now();
  const r = await autocannon(loadOptions(ready, token, connections, durationS));
  const wallS = (performance.now() - wallBefore) / 1000;
  const serverAfter = cpuSecondsOf(target.proc.pid);
  const self = process.cpuUsage(selfBefore);
  const machineAfter = machineCpu();
  const pctOfOneCore = (seconds: number) => Math.round((seconds / wallS) * 1000) / 10;
  const server = serverBefore === undefined || serverAfter === undefined ? null : pctOfOneCore(serverAfter - serverBefore);
  const loadGenerator = pctOfOneCore((self.user + self.system) / 1e6);
  const machine = pctOfOneCore((machineAfter.busy - machineBefore.busy) / 1000);
  const cpuPct = { server, loadGenerator, machine, other: server === null ? null : Math.max(0, Math.round((machine - server - loadGenerator) * 10) / 10) };
  const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]));
  return {
    url: r.url,
    method: 'POST',
    durationS: r.duration,
    connections: r.connections,
    requestsPerSec: { mean: round(r.requests.average), stddev: round(r.requests.stddev), min: r.requests.min, max: r.requests.max },
    latencyMs: { mean: round(r.latency.average), p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    responses2xx: r['2xx'],
    non2xx: r.non2xx,
    statusCodes,
    errors: r.errors,
    timeouts: r.timeouts,
    throughputBytesPerSec: round(r.throughput.average, 0),
    cpuPct,
  };
}

// ---------------------------------------------------------------- order completion

type Tally = { total: number; byStatus: Record<string, number>; pages: number; truncated: boolean; tookMs: number };

const MAX_PAGES = 1000; // x 200 orders: enough for any run this tool makes, and bounded

/** Every order of the bench customer, counted by status through GET /api/orders (200 a page, newest first). */
async function tallyOrders(ready: ReadyLine): Promise<Tally> {
  const started = performance.now();
  const byStatus: Record<string, number> = {};
  let total = 0;
  let pages = 0;
  let cursor: string | null = null;
  do {
    const url = `${ready.url}${ready.path}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${ready.token}` } });
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { items: { status: string }[]; nextCursor: string | null };
    for (const o of page.items) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    total += page.items.length;
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < MAX_PAGES);
  return { total, byStatus, pages, truncated: cursor !== null, tookMs: Math.round(performance.now() - started) };
}

interface Completion {
  note: string;
  settleS: number;
  atStop: { orders: number; confirmed: number; pending: number; rejected: number; countTookMs: number };
  afterSettle: { atS: number; orders: number; confirmed: number; pending: number; rejected: number };
  drainedAfterS: number | null;
  samples: { atS: number; confirmed: number; pending: number }[];
  truncated: boolean;
}

/** Watches pending orders turn into confirmed ones for `settleS` seconds after the load stopped. */
async function watchCompletion(ready: ReadyLine, stoppedAt: number, settleS: number): Promise<Completion> {
  const sinceStop = () => Math.round((performance.now() - stoppedAt) / 10) / 100;
  const pick = (t: Tally) => ({ orders: t.total, confirmed: t.byStatus.confirmed ?? 0, pending: (t.byStatus.pending ?? 0) + (t.byStatus.awaiting_payment ?? 0), rejected: t.byStatus.rejected ?? 0 });
  const first = await tallyOrders(ready);
  const samples = [{ atS: sinceStop(), confirmed: pick(first).confirmed, pending: pick(first).pending }];
  let last = first;
  let truncated = first.truncated;
  let drainedAfterS: number | null = pick(first).pending === 0 ? samples[0]!.atS : null;
  while (drainedAfterS === null && sinceStop() < settleS) {
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, settleS * 1000 - (performance.now() - stoppedAt)))));
    last = await tallyOrders(ready);
    truncated ||= last.truncated;
    const at = sinceStop();
    samples.push({ atS: at, confirmed: pick(last).confirmed, pending: pick(last).pending });
    if (pick(last).pending === 0) drainedAfterS = at;
  }
  return {
    note: 'all orders of the bench customer (warm-up, measured run and the probe), counted by status via GET /api/orders after the load stopped',
    settleS,
    atStop: { ...pick(first), countTookMs: first.tookMs },
    afterSettle: { atS: samples.at(-1)!.atS, ...pick(last) },
    drainedAfterS,
    samples,
    truncated,
  };
}

// ---------------------------------------------------------------- machine

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext2/3/4',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
  0x1021997: 'v9fs',
};

function fileSystemOf(dir: string): string {
  try {
    const type = statfsSync(dir).type;
    return FS_TYPES[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

/** CPU milliseconds all cores have spent busy since boot. */
function machineCpu(): { busy: number } {
  return { busy: cpus().reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) };
}

/** Share of all CPUs busy over `ms`, before anything of ours runs: other work on the machine skews every figure. */
async function cpuBusyPct(ms = 1000): Promise<number> {
  const sum = () => cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle }), { idle: 0, total: 0 });
  const before = sum();
  await new Promise((r) => setTimeout(r, ms));
  const after = sum();
  const total = after.total - before.total;
  return total > 0 ? Math.round((1 - (after.idle - before.idle) / total) * 1000) / 10 : 0;
}

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------- report

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(rows: [string, LoadFigures][], ratio: number): string {
  const head = ['target', 'req/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'server CPU', 'autocannon CPU', 'other CPU'];
  const pct = (n: number | null) => (n === null ? 'n/a' : `${fmt(n)} %`);
  const body = rows.map(([name, f]) => [
    name,
    fmt(f.requestsPerSec.mean, 1),
    fmt(f.latencyMs.p50),
    fmt(f.latencyMs.p99),
    fmt(f.non2xx),
    fmt(f.errors),
    pct(f.cpuPct.server),
    pct(f.cpuPct.loadGenerator),
    pct(f.cpuPct.other),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), '', `ratio order placement / bare: ${ratio.toFixed(4)} (${(ratio * 100).toFixed(2)} %)`, '(latency in whole milliseconds, as autocannon records it; CPU: 100 % = one core busy; other = the rest of the machine, should be near 0)'].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const { durationS, connections, warmupS } = opts;
  say(`bench: ${durationS} s per target, ${connections} connections, ${warmupS} s warm-up; sqlite synchronous=${opts.sqliteSync}, platform log level ${opts.logLevel} -> ${opts.logFile}`);

  const busyBefore = await cpuBusyPct();
  const loadBefore = loadavg().map((n) => Math.round(n * 100) / 100);
  if (busyBefore > 20) say(`warning: the machine is already ${busyBefore} % busy (load ${loadBefore.join(' ')}) before the bench starts; figures will be low and noisy`);

  // Same claims as the platform's customer token, so every target gets headers of the same size.
  const benchSecret = randomUUID() + randomUUID();
  const benchToken = await tokenAuthority(benchSecret).mint({ subject: 'bench-customer', tenant: 'bench', role: 'customer' }, 6 * 3600);

  /** Starts a target without state, loads it (warm-up, then measured), stops it. */
  async function measure(name: string, file: string, env: Record<string, string>): Promise<{ target: Target; figures: LoadFigures }> {
    say(`starting ${name}...`);
    const target = await startTarget(name, file, env);
    try {
      if (warmupS > 0) {
        say(`warming up ${name} for ${warmupS}s...`);
        await load(target, benchToken, connections, warmupS);
      }
      say(`running ${name} for ${durationS}s...`);
      return { target, figures: await load(target, benchToken, connections, durationS) };
    } finally {
      say(`stopping ${name}...`);
      await stopTarget(target);
    }
  }

  // 1. bare Fastify
  const { target: bare, figures: bareFigures } = await measure('bare fastify', 'bare.ts', {});
  // 2. the kit's pipeline with no database behind it
  const { figures: pipelineFigures } = await measure('kit pipeline', 'pipeline.ts', {
    BENCH_JWT_SECRET: benchSecret,
    BENCH_LOG_LEVEL: opts.logLevel,
    BENCH_LOG_DEST: opts.logFile,
  });

  // 3. the real platform
  const dataDir = mkdtempSync(join(opts.dataParent, 'omnishop-bench-'));
  tempDirs.add(dataDir);
  const dataDirFs = fileSystemOf(dataDir);
  say(`starting platform (data in ${dataDir}, ${dataDirFs}); creating a style, receiving stock, waiting for a probe order to be confirmed...`);
  const platformTarget = await startTarget('platform', 'platform.ts', {
    BENCH_DATA_DIR: dataDir,
    BENCH_LOG_LEVEL: opts.logLevel,
    BENCH_LOG_DEST: opts.logFile,
    BENCH_SQLITE_SYNC: opts.sqliteSync,
  });
  let orderFigures: LoadFigures;
  let completion: Completion;
  try {
    if (warmupS > 0) {
      say(`warming up order placement for ${warmupS}s...`);
      await load(platformTarget, platformTarget.ready.token, connections, warmupS);
    }
    say(`running order placement for ${durationS}s...`);
    orderFigures = await load(platformTarget, platformTarget.ready.token, connections, durationS);
    const stoppedAt = performance.now();
    say(`load stopped; watching pending orders get confirmed for up to ${opts.settleS}s...`);
    completion = await watchCompletion(platformTarget.ready, stoppedAt, opts.settleS);
  } finally {
    say('stopping platform...');
    await stopTarget(platformTarget);
    removeTempDirs();
  }

  const ratio = orderFigures.requestsPerSec.mean / bareFigures.requestsPerSec.mean;
  const pipelineRatio = pipelineFigures.requestsPerSec.mean / bareFigures.requestsPerSec.mean;
  const cpuList = cpus();
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpuList.length,
    machine: {
      cpuModel: cpuList[0]?.model ?? 'unknown',
      os: `${osPlatform()} ${release()} ${arch()}`,
      memoryMb: Math.round(totalmem() / 2 ** 20),
      freeMemoryMbAtEnd: Math.round(freemem() / 2 ** 20),
      cpuBusyPctBeforeStart: busyBefore,
      loadAverageAtStart: loadBefore,
      loadAverageAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
    },
    durationS,
    connections,
    warmupS,
    sqliteSynchronous: opts.sqliteSync,
    platformLog: { level: opts.logLevel, destination: opts.logFile },
    loadGenerator: `autocannon ${versionOf('autocannon')} in the parent process on the same machine (shares its CPUs with the target)`,
    request: {
      method: 'POST',
      body: JSON.parse(ORDER_BODY(platformTarget.ready.sku)) as unknown,
      headers: ['authorization: Bearer <customer JWT>', 'content-type: application/json', 'idempotency-key: bench-<unique per request>'],
    },
    targets: {
      bare: { description: `bare Fastify ${bare.ready.settings.fastify}, one POST route: parse JSON, answer 201 with a small JSON body`, ...bareFigures },
      pipeline: {
        description: "the kit's request pipeline (request id, context, trace span, behaviour log, JWT auth, schema validation) in front of the same answer, no database",
        ...pipelineFigures,
      },
      orderPlacement: {
        description: 'POST /api/orders on the embedded platform (all services in one process), every request a new order',
        settings: { ...platformTarget.ready.settings, dataDirFs },
        ...orderFigures,
        completion,
      },
    },
    ratio: Math.round(ratio * 10_000) / 10_000,
    pipelineRatio: Math.round(pipelineRatio * 10_000) / 10_000,
  };

  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);

  const c = completion;
  const out = [
    '',
    `Order placement vs bare Fastify — ${durationS} s each, ${connections} connections, node ${process.version}, ${cpuList.length} CPUs (load generator on the same machine)`,
    `platform: sqlite synchronous=${opts.sqliteSync} on ${dataDirFs}, log level ${opts.logLevel} -> ${opts.logFile}`,
    ...(busyBefore > 20 ? [`WARNING: the machine was ${busyBefore} % busy before the run started; other work skews these figures`] : []),
    ...(
      [
        ['bare fastify', bareFigures],
        ['kit pipeline', pipelineFigures],
        ['order placement', orderFigures],
      ] as const
    )
      .filter(([, f]) => (f.cpuPct.other ?? 0) > 20)
      .map(([name, f]) => `WARNING: other processes used ${fmt(f.cpuPct.other ?? 0)} % of a core during the ${name} run; its figures are skewed`),
    '',
    table(
      [
        ['bare fastify', bareFigures],
        ['kit pipeline', pipelineFigures],
        ['order placement', orderFigures],
      ],
      ratio,
    ),
    `ratio kit pipeline / bare: ${pipelineRatio.toFixed(4)} (${(pipelineRatio * 100).toFixed(2)} %)`,
    '',
    `order completion (all ${fmt(c.afterSettle.orders)} orders incl. warm-up):`,
    `  at load stop:      ${fmt(c.atStop.confirmed)} confirmed, ${fmt(c.atStop.pending)} pending, ${fmt(c.atStop.rejected)} rejected`,
    `  ${`after ${c.afterSettle.atS} s:`.padEnd(18)} ${fmt(c.afterSettle.confirmed)} confirmed, ${fmt(c.afterSettle.pending)} pending, ${fmt(c.afterSettle.rejected)} rejected` +
      (c.drainedAfterS !== null ? ` (no order pending after ${c.drainedAfterS} s)` : ` (still pending after ${c.settleS} s)`),
    '',
    `results written to ${relative(process.cwd(), opts.out) || opts.out}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C reaches the whole process group and tsx relays it too: act on the first signal only.
    // Stopping is bounded (SIGTERM, then SIGKILL after the grace period).
    if (interrupted) return;
    interrupted = true;
    say(`\n${signal}: stopping targets...`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// `npm run bench fuzz -- [options]`: the fuzz benchmark (bench/fuzz.ts) instead of order placement.
const run = process.argv[2] === 'fuzz' ? () => import('./fuzz.js').then((fuzz) => fuzz.main(process.argv.slice(3))) : main;

run().catch(async (error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    say(`${(error as Error).message}\n\n${HELP}`);
    await cleanUp();
    process.exit(2);
  }
  say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await cleanUp();
  process.exit(1);
});
