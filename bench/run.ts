/**
 * `npm run bench`: requests per second of the order placement route
 * (POST /api/orders on the real platform) beside a bare Fastify route on
 * the same machine, in one run, with what became of the orders (confirmed
 * per second, drain), written out as JSON.
 *
 * Each target runs in its own child process; the load generator
 * (autocannon) runs here, so it never shares the server's event loop.
 * It does share the machine's CPUs: read the ratio, not the absolute figures,
 * when comparing machines.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tokenAuthority } from '@omnishop/kit';
import { ORDER_BODY } from './targets/protocol.js';
import { runLoad, type LoadFigures } from './lib/load.js';
import { cpuBusyPct, fileSystemOf, load3, machineInfo, versionOf } from './lib/machine.js';
import { pollHealth, type HealthFigures } from './lib/health.js';
import { jetstreamTable, runJetstreamBench, type JetstreamFigures } from './jetstream.js';
import { SKU } from './lib/brand.js';
import { startCluster } from './lib/distributed.js';
import { MemoryTracker } from './lib/memory.js';
import { OrderBook } from './lib/orders.js';
import { BENCH_DIR, cleanUp, cpuSecondsOfAll, removeTempDirs, say, startTarget, stopTarget, tempDirs, type Target } from './lib/procs.js';
import { peerDatabase, PEERS, type Peer } from './peers/index.js';
import { figureTable, fmt, loadTable, type FigureRow } from './lib/report.js';

const HELP = `Usage: npm run bench -- [options]
       npm run bench fuzz -- [options]        (the fuzz run; see npm run bench fuzz -- --help)
       npm run bench jetstream -- [options]   (raw JetStream beside the kit's bus, relay and
                                               consumer; see npm run bench jetstream -- --help)

Measures POST /api/orders on the real platform beside a bare Fastify POST
route and the kit's request pipeline in front of the same answer (no
database), one after the other, each server in its own child process, load
from autocannon in this process. Then, before the platform starts:

  peers       the same order acceptance written with NestJS (on its Fastify
              adapter) and with Moleculer + moleculer-web (bench/peers): the
              body validated, the order and its outbox event inserted in one
              transaction on the platform's kind of database (a SQLite file,
              WAL, --sqlite-sync; distributed: a fresh PostgreSQL database on
              --postgres), 201 with the order; req/s, p99 and ratio to bare,
              beside the platform's acceptance

On the platform, in this order:

  acceptance  as fast as --connections go for --duration (after --warmup):
              accepted req/s, p99, timeouts, orders confirmed per second
              during the window, and how long until every order is final
  sustained   a fixed offered rate (--sustained-rate) for --sustained-duration:
              orders confirmed per second, the backlog of orders not final
              sampled every second (bounded or growing), the drain after it,
              and the platform's CPU per order from load to drain (every
              thread; distributed: the services and NATS, not PostgreSQL),
              a figure other work on the machine hardly moves
  overload    3 x the acceptance rate over 3 x --connections for
              --overload-duration: status codes (503/429 and how many carried
              Retry-After), p99 of the 2xx, /health/live and /health/ready
              polled every 100 ms (max, p99), the drain, and a check that
              every order answered 201 exists (a sample read back by id, and
              the orders created in the window counted)
  jetstream   after the platform stopped: raw JetStream publish and consume
              rates beside the kit's NatsBus, Relay and Consumer, on a fresh
              nats-server and database (npm run bench jetstream -- --help);
              --js-messages events per measurement

Prints a table to stdout (progress to stderr) and writes the figures as JSON.

Options:
  --mode <mode>         embedded (default): every service in one process,
                        SQLite, the embedded bus; distributed: a fresh
                        PostgreSQL database (--postgres), a JetStream server
                        the bench starts on a free port, every service its own
                        process, order and inventory with --replicas each, the
                        order replicas loaded directly (one autocannon per
                        replica, connections and rate split, figures summed)
  --postgres <url>      distributed: the server to make the run's database on
                        (default postgres://postgres@127.0.0.1:5432/postgres;
                        the database is dropped afterwards)
  --replicas <n>        distributed: processes of order and of inventory
                        (default 2)
  --nats-server <path>  distributed: the nats-server binary (default
                        /usr/sbin/nats-server)
  --duration <s>        measured seconds per target (default 10)
  --connections <n>     concurrent connections (default 50)
  --warmup <s>          unmeasured load before each measured run (default 3)
  --settle <s>          after each run on the platform, how long to wait for
                        every order to be final (drainS; default 5)
  --sustained-rate <n>  orders/s offered in the sustained phase (default: half
                        the acceptance rate measured just before)
  --sustained-duration <s>
                        seconds of the sustained phase (default --duration);
                        the issue's targets: 60 (completed), 600 (memory)
  --overload-duration <s>
                        seconds of the overload phase (default 5; --quick 2)
  --js-messages <n>     events per measurement of the jetstream phase (default
                        20000; --quick 5000)
  --quiesce <s>         before each phase after the first, wait up to this long
                        for the orders of the previous one to be final, so it
                        measures its own (default 60; --quick 10)
  --phases <list>       which phases run beside the acceptance run, comma-separated
                        (default: peers,sustained,overload in embedded mode,
                        peers,sustained,overload,jetstream in distributed mode);
                        empty: acceptance only
  --out <file>          JSON output (default bench/results/order-placement-<timestamp>.json)
  --quick               smoke run: 2 s measured, 1 s warm-up, 2 s settle,
                        10 s quiesce, 2 s overload, 5000 jetstream events
                        (explicit options still win)
  --sqlite-sync <mode>  embedded: FULL (default, the production default) or NORMAL
  --log-level <level>   platform log level (default info, the production default)
  --log-file <path>     where the platform writes its log lines (default /dev/null)
  --data-parent <dir>   where the platform's temporary data folder is made
                        (default ${tmpdir()}); its file system is recorded,
                        since fsync cost depends on it
  -h, --help            this text

JSON (beside the full figures): ratio (accepted orders/s / bare req/s),
pipelineRatio (kit pipeline / bare), mode, p99Ms and timeouts (of the
acceptance run), completedRatio (orders confirmed per second during the
acceptance window / bare req/s), drainS (seconds after the load stopped
until no order of the bench customer was pending or awaiting payment; null
if that took longer than --settle); peers: { nestjs, moleculer }, each with
its figures, ratio (its 2xx/s / bare req/s), acceptanceOverPeer (the
platform's accepted/s / its 2xx/s) and the orders and outbox rows it wrote;
then sustained, overload, memory and jetstream in full (each phase's own
drainS, backlog samples, status codes, health latency, RSS/heap samples,
rates and ratios).

Environment:
  BENCH_SERVICES        embedded: services the platform runs (default: all), e.g.
                        catalog,store,inventory,order,payment for the order core alone
                        (an order is confirmed once stock is held and it is paid)
  BENCH_THREAD_SERVICES embedded: which of them run on the platform's service thread
                        (default: the platform's, inventory,payment; none: one thread)
  BENCH_PROFILE_DIR     write a V8 CPU profile of each target there (node --cpu-prof)
  the platform's settings (the README's table, e.g. ADMISSION_LOOP_DELAY_MS)
                        embedded: read by the platform as usual, except PORT, DATA_DIR,
                        SEED, LOG_LEVEL, SQLITE_SYNCHRONOUS and the rate limits, which
                        the bench sets
`;

type Mode = 'embedded' | 'distributed';

/** The issue's targets per mode. */
const TARGETS = {
  embedded: { acceptance: 0.25, p99Ms: 50, completed: 0.05, drainS: 5 },
  distributed: { acceptance: 0.1, p99Ms: 100, completed: 0.02, drainS: 10 },
} as const;

interface Options {
  mode: Mode;
  durationS: number;
  connections: number;
  warmupS: number;
  settleS: number;
  out: string;
  sqliteSync: 'FULL' | 'NORMAL';
  logLevel: string;
  logFile: string;
  dataParent: string;
  postgres: string;
  replicas: number;
  natsServer: string;
  /** Offered orders/s of the sustained phase; undefined: half the measured acceptance rate. */
  sustainedRate: number | undefined;
  sustainedS: number;
  quiesceS: number;
  overloadS: number;
  jsMessages: number;
  phases: Phase[];
}

const PHASES = ['peers', 'sustained', 'overload', 'jetstream'] as const;
const DEFAULT_PHASES: Record<Mode, Phase[]> = { embedded: ['peers', 'sustained', 'overload'], distributed: ['peers', 'sustained', 'overload', 'jetstream'] };
type Phase = (typeof PHASES)[number];

class UsageError extends Error {}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string' },
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
      postgres: { type: 'string' },
      replicas: { type: 'string' },
      'nats-server': { type: 'string' },
      'sustained-rate': { type: 'string' },
      'sustained-duration': { type: 'string' },
      phases: { type: 'string' },
      quiesce: { type: 'string' },
      'overload-duration': { type: 'string' },
      'js-messages': { type: 'string' },
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
  const mode = values.mode ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'distributed') throw new UsageError(`--mode must be embedded or distributed, got ${JSON.stringify(values.mode)}`);
  const quick = values.quick;
  const sqliteSync = (values['sqlite-sync'] ?? 'FULL').toUpperCase();
  if (sqliteSync !== 'FULL' && sqliteSync !== 'NORMAL') throw new UsageError(`--sqlite-sync must be FULL or NORMAL, got ${JSON.stringify(values['sqlite-sync'])}`);
  const logLevel = values['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new UsageError(`--log-level ${logLevel} is not a pino level`);
  const phases = (values.phases ?? DEFAULT_PHASES[mode].join(',')).split(',').filter(Boolean);
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new UsageError(`--phases: ${JSON.stringify(p)} is not one of ${PHASES.join(', ')}`);
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return {
    mode,
    durationS: number('duration', values.duration, quick ? 2 : 10, 1),
    connections: number('connections', values.connections, 50, 1),
    warmupS: number('warmup', values.warmup, quick ? 1 : 3, 0),
    settleS: number('settle', values.settle, quick ? 2 : 5, 0),
    out: resolve(values.out ?? join(BENCH_DIR, 'results', `order-placement-${stamp}.json`)),
    sqliteSync,
    logLevel,
    logFile: values['log-file'] ? resolve(values['log-file']) : '/dev/null',
    dataParent: resolve(values['data-parent'] ?? tmpdir()),
    postgres: values.postgres ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    replicas: number('replicas', values.replicas, 2, 1),
    natsServer: values['nats-server'] ?? '/usr/sbin/nats-server',
    sustainedS: number('sustained-duration', values['sustained-duration'], number('duration', values.duration, quick ? 2 : 10, 1), 1),
    sustainedRate: values['sustained-rate'] === undefined ? undefined : number('sustained-rate', values['sustained-rate'], 0, 1),
    phases: phases as Phase[],
    quiesceS: number('quiesce', values.quiesce, quick ? 10 : 60, 0),
    overloadS: number('overload-duration', values['overload-duration'], quick ? 2 : 5, 1),
    jsMessages: number('js-messages', values['js-messages'], quick ? 5000 : 20_000, 1),
  };
}

// ---------------------------------------------------------------- the system under test

/** The platform under load, whichever mode: where orders go, where they are read back, which processes count. */
interface System {
  mode: Mode;
  /** Base URLs that take POST /api/orders (one autocannon instance each). */
  loadUrls: string[];
  path: string;
  token: string;
  sku: string;
  book: OrderBook;
  /** Processes whose /health/live and /health/ready are polled during the overload. */
  healthUrls: string[];
  serverPids: () => (number | undefined)[];
  /** The processes of the platform, for memory samples. */
  processes: () => Target[];
  settings: Record<string, unknown>;
  stop: () => Promise<void>;
}

async function startEmbedded(opts: Options): Promise<System> {
  const dataDir = mkdtempSync(join(opts.dataParent, 'omnishop-bench-'));
  tempDirs.add(dataDir);
  const dataDirFs = fileSystemOf(dataDir);
  say(`starting platform (data in ${dataDir}, ${dataDirFs}); creating a style, receiving stock, waiting for a probe order to be confirmed...`);
  const target: Target = await startTarget('platform', 'platform.ts', {
    BENCH_DATA_DIR: dataDir,
    BENCH_LOG_LEVEL: opts.logLevel,
    BENCH_LOG_DEST: opts.logFile,
    BENCH_SQLITE_SYNC: opts.sqliteSync,
  });
  const { ready } = target;
  return {
    mode: 'embedded',
    loadUrls: [ready.url],
    path: ready.path,
    token: ready.token,
    sku: ready.sku,
    book: new OrderBook(ready.url, ready.token),
    healthUrls: [ready.url],
    serverPids: () => [target.proc.pid],
    processes: () => [target],
    settings: { ...ready.settings, dataDirFs },
    stop: async () => {
      say('stopping platform...');
      await stopTarget(target);
      removeTempDirs();
    },
  };
}

async function startDistributed(opts: Options): Promise<System> {
  say(`starting the distributed platform (PostgreSQL at ${new URL(opts.postgres).host}, own JetStream server; order and inventory x ${opts.replicas}); creating a style, receiving stock, a probe order through each order replica...`);
  const c = await startCluster({ postgres: opts.postgres, dataParent: opts.dataParent, replicas: opts.replicas, logLevel: opts.logLevel, logFile: opts.logFile, natsBinary: opts.natsServer });
  const orders = c.byService.order!;
  return {
    mode: 'distributed',
    loadUrls: orders.map((t) => t.ready.url),
    path: '/api/orders',
    token: c.customerToken,
    sku: SKU,
    book: new OrderBook(orders[0]!.ready.url, c.customerToken),
    healthUrls: [...orders, ...c.byService.inventory!].map((t) => t.ready.url),
    serverPids: () => [...c.processes.map((t) => t.proc.pid), c.nats.pid],
    processes: () => c.processes,
    settings: {
      database: 'postgresql',
      databaseName: c.database.name,
      bus: 'nats jetstream (own server)',
      natsUrl: c.nats.url,
      stream: c.stream,
      replicas: opts.replicas,
      processes: c.processes.map((t) => t.name).join(','),
      loaded: orders.map((t) => `${t.name}=${t.ready.url}`).join(','),
      gateway: c.gateway.ready.url,
      note: 'the gateway forwards to one process per service (UPSTREAMS), so the order replicas are loaded directly; server CPU counts every service process and nats-server, not PostgreSQL',
    },
    stop: async () => {
      await c.stop();
      removeTempDirs();
    },
  };
}

// ---------------------------------------------------------------- phases

interface Acceptance {
  figures: LoadFigures;
  /** The horizon the confirmed orders were read down to (see bench/lib/orders.ts). */
  horizon: { at: string; notFinalBefore: number };
  /** Orders not final when the load stopped (counted up to 25 pages of each status). */
  notFinalAtStop: { count: number; capped: boolean; pending: number; awaitingPayment: number };
  drainS: number | null;
  settleS: number;
  confirmedInWindow: number;
  windowS: number;
  confirmedPerSec: number;
  confirmedCount: { pages: number; read: number; truncated: boolean; tookMs: number; updatedNotAfterCreated: number };
}

function checkCount(what: string, c: { truncated: boolean; updatedNotAfterCreated: number }): void {
  if (c.truncated) say(`  warning: ${what}: stopped reading confirmed orders at the page limit; the count is low`);
  if (c.updatedNotAfterCreated > 0) say(`  warning: ${what}: ${c.updatedNotAfterCreated} confirmed orders have updatedAt <= createdAt, so updatedAt does not tell when they were confirmed; the confirmed count is not to be trusted`);
}

/** Warm-up, then the measured run at full speed; then the drain, then the orders confirmed during the measured window. */
async function acceptance(sys: System, opts: Options): Promise<Acceptance> {
  const horizon = await sys.book.horizon();
  const plan = { urls: sys.loadUrls, path: sys.path, token: sys.token, sku: sys.sku, connections: opts.connections, serverPids: sys.serverPids() };
  if (opts.warmupS > 0) {
    say(`warming up order placement for ${opts.warmupS}s...`);
    await runLoad({ ...plan, durationS: opts.warmupS });
  }
  say(`running order placement for ${opts.durationS}s...`);
  const figures = await runLoad({ ...plan, durationS: opts.durationS });
  const stoppedAt = figures.window.endMs;
  const atStop = await sys.book.notFinal();
  say(`load stopped (${fmt(atStop.count)}${atStop.capped ? '+' : ''} orders not final); waiting up to ${opts.settleS}s for every order to be final...`);
  const { drainS } = await sys.book.drain(stoppedAt, opts.settleS);
  say(drainS === null ? `  still orders not final after ${opts.settleS}s` : `  every order final ${drainS}s after the load stopped`);
  const counted = await sys.book.confirmedBetween(figures.window.startMs, figures.window.endMs, horizon.at);
  checkCount('acceptance', counted);
  const windowS = (figures.window.endMs - figures.window.startMs) / 1000;
  return {
    figures,
    horizon: { at: horizon.at, notFinalBefore: horizon.notFinal },
    notFinalAtStop: { count: atStop.count, capped: atStop.capped, pending: atStop.pending, awaitingPayment: atStop.awaitingPayment },
    drainS,
    settleS: opts.settleS,
    confirmedInWindow: counted.confirmed,
    windowS,
    confirmedPerSec: Math.round((counted.confirmed / windowS) * 10) / 10,
    confirmedCount: { pages: counted.pages, read: counted.read, truncated: counted.truncated, tookMs: counted.tookMs, updatedNotAfterCreated: counted.updatedNotAfterCreated },
  };
}

/**
 * Before a phase: waits up to --quiesce seconds for every order of the
 * previous one to be final, so the phase measures its own orders; answers
 * how many were still not final when it gave up (0 when quiet).
 */
async function quiesce(sys: System, opts: Options): Promise<number> {
  const until = Date.now() + opts.quiesceS * 1000;
  let said = false;
  for (;;) {
    if (!(await sys.book.anyNotFinal())) return 0;
    if (Date.now() >= until) {
      const left = (await sys.book.notFinal()).count;
      say(`  ${fmt(left)} orders of the previous run still not final after ${opts.quiesceS}s; starting anyway`);
      return left;
    }
    if (!said) say(`waiting up to ${opts.quiesceS}s for the previous run's orders to be final...`);
    said = true;
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface PendingSample {
  atS: number;
  count: number;
  capped: boolean;
}

interface Sustained {
  rate: number;
  rateFrom: 'option' | 'half the acceptance rate';
  /** Orders not final when the phase began (after waiting up to --quiesce for the previous backlog). */
  backlogAtStart: number;
  figures: LoadFigures;
  horizon: { at: string; notFinalBefore: number };
  /** Orders not final (pending + awaiting_payment), sampled every second during the run (each count capped at 25 pages a status). */
  pendingSamples: PendingSample[];
  pending: { first: number | null; middle: number | null; last: number | null; max: number | null; capped: boolean };
  /** Whether the backlog stayed bounded, and by which rule. */
  bounded: boolean;
  boundedRule: string;
  confirmedInWindow: number;
  windowS: number;
  confirmedPerSec: number;
  drainS: number | null;
  /**
   * CPU the platform's processes spent (every thread, user and system) from the start of the load to the
   * end of the drain, per order accepted in the window, in ms: what one order costs end to end. Unlike
   * a rate it hardly moves when other work shares the machine. Null when the phase began with a backlog
   * or did not drain (the CPU would belong to other orders too).
   */
  cpuMsPerOrder: number | null;
}

/**
 * Orders offered at a fixed rate (autocannon overallRate, spread over the
 * connections, each sending its share at the start of every second) for
 * --duration, the backlog sampled every second; then the drain, then the
 * orders confirmed during the window.
 */
async function sustained(sys: System, opts: Options, acceptedPerSec: number): Promise<Sustained> {
  const rate = opts.sustainedRate ?? Math.max(1, Math.round(acceptedPerSec / 2));
  const backlogAtStart = await quiesce(sys, opts);
  const horizon = await sys.book.horizon();
  say(`running sustained order placement at ${fmt(rate)}/s for ${opts.sustainedS}s (backlog sampled every second)...`);
  const samples: PendingSample[] = [];
  let running = true;
  const startedAt = Date.now();
  const sampler = (async () => {
    // Half a second out of step with autocannon, which sends each second's share at the start of the second.
    await new Promise((r) => setTimeout(r, 500));
    while (running) {
      const tick = Date.now();
      const nf = await sys.book.notFinal(25).catch(() => undefined);
      if (nf && running) samples.push({ atS: Math.round((Date.now() - startedAt) / 100) / 10, count: nf.count, capped: nf.capped });
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tick))));
    }
  })();
  const cpuBefore = cpuSecondsOfAll(sys.serverPids());
  const figures = await runLoad({ urls: sys.loadUrls, path: sys.path, token: sys.token, sku: sys.sku, connections: opts.connections, durationS: opts.sustainedS, overallRate: rate, serverPids: sys.serverPids() }).finally(() => {
    running = false;
  });
  await sampler;
  const { drainS } = await sys.book.drain(figures.window.endMs, opts.settleS);
  const cpuAfter = cpuSecondsOfAll(sys.serverPids());
  const cpuMsPerOrder =
    backlogAtStart === 0 && drainS !== null && cpuBefore !== undefined && cpuAfter !== undefined && figures.responses2xx > 0
      ? Math.round(((cpuAfter - cpuBefore) * 1000 * 1000) / figures.responses2xx) / 1000
      : null;
  say(drainS === null ? `  still orders not final ${opts.settleS}s after the sustained run` : `  every order final ${drainS}s after the sustained run`);
  const counted = await sys.book.confirmedBetween(figures.window.startMs, figures.window.endMs, horizon.at);
  checkCount('sustained', counted);
  const windowS = (figures.window.endMs - figures.window.startMs) / 1000;
  const counts = samples.map((s) => s.count);
  const pick = (i: number) => (counts.length ? counts[Math.min(counts.length - 1, Math.max(0, i))]! : null);
  const pending = { first: pick(0), middle: pick(Math.floor((counts.length - 1) / 2)), last: pick(counts.length - 1), max: counts.length ? Math.max(...counts) : null, capped: samples.some((s) => s.capped) };
  // Bounded: the backlog at the end is no larger than two seconds of offered orders, or than 1.25 x the backlog half-way.
  const allowance = Math.max(2 * rate, 1.25 * (pending.middle ?? 0));
  const bounded = pending.last !== null && !pending.capped && pending.last <= allowance;
  return {
    rate,
    rateFrom: opts.sustainedRate === undefined ? 'half the acceptance rate' : 'option',
    backlogAtStart,
    figures,
    horizon: { at: horizon.at, notFinalBefore: horizon.notFinal },
    pendingSamples: samples,
    pending,
    bounded,
    boundedRule: 'last sample <= max(2 s of offered orders, 1.25 x the middle sample), and no sample capped',
    confirmedInWindow: counted.confirmed,
    windowS,
    confirmedPerSec: Math.round((counted.confirmed / windowS) * 10) / 10,
    drainS,
    cpuMsPerOrder,
  };
}

interface Overload {
  rate: number;
  connections: number;
  backlogAtStart: number;
  figures: LoadFigures;
  /** Per status code: how many answers, and how many carried Retry-After. */
  byStatus: Record<string, { count: number; withRetryAfter: number }>;
  accepted: number;
  refused: { count: number; withRetryAfter: number; latencyP99Ms: number | null };
  p99Ms2xx: number | null;
  health: Record<string, HealthFigures>;
  drainS: number | null;
  /** Nothing accepted lost: orders created in the window (any status) against the 201s, and a sample of the 201 ids read back one by one. */
  lost: {
    accepted201: number;
    createdInWindow: number;
    createdByStatus: Record<string, number>;
    sampled: number;
    sampleFound: number;
    sampleMissing: string[];
    ok: boolean;
  };
}

const SAMPLE = 200;

/**
 * Three times the acceptance rate offered with three times the connections
 * for --overload-duration seconds, every answer recorded (status, Retry-After,
 * 2xx latency, ids of accepted orders), /health/live and /health/ready polled
 * every 100 ms meanwhile; then the drain, then a check that every accepted
 * order exists.
 */
async function overload(sys: System, opts: Options, acceptedPerSec: number): Promise<Overload> {
  const rate = Math.max(3, Math.round(3 * acceptedPerSec));
  const connections = 3 * opts.connections;
  const backlogAtStart = await quiesce(sys, opts);
  say(`running overload: ${fmt(rate)} orders/s offered over ${connections} connections for ${opts.overloadS}s, health polled every 100 ms...`);
  const health = pollHealth(sys.healthUrls, 100);
  let healthFigures: Record<string, HealthFigures> | undefined;
  const figures = await runLoad({
    urls: sys.loadUrls,
    path: sys.path,
    token: sys.token,
    sku: sys.sku,
    connections,
    durationS: opts.overloadS,
    overallRate: rate,
    recordResponses: true,
    serverPids: sys.serverPids(),
  }).finally(async () => {
    healthFigures = await health.stop();
  });
  const { drainS } = await sys.book.drain(figures.window.endMs, opts.settleS);
  say(drainS === null ? `  still orders not final ${opts.settleS}s after the overload` : `  every order final ${drainS}s after the overload`);
  const record = figures.responses!;
  const refusedCodes = Object.entries(record.byStatus).filter(([code]) => code === '503' || code === '429');
  const refused = {
    count: refusedCodes.reduce((a, [, v]) => a + v.count, 0),
    withRetryAfter: refusedCodes.reduce((a, [, v]) => a + v.withRetryAfter, 0),
    latencyP99Ms: record.latencyNon2xxMs?.p99 ?? null,
  };
  say('  checking that every accepted order exists...');
  const created = await sys.book.createdBetween(figures.window.startMs, figures.window.endMs + 15_000);
  const ids = record.acceptedIds;
  const step = Math.max(1, Math.floor(ids.length / SAMPLE));
  const sample = ids.filter((_, i) => i % step === 0).slice(0, SAMPLE);
  const found = await Promise.all(sample.map(async (id) => ({ id, ...(await sys.book.status(id)) })));
  const missing = found.filter((f) => f.httpStatus !== 200).map((f) => `${f.id} (${f.httpStatus})`);
  return {
    rate,
    connections,
    backlogAtStart,
    figures,
    byStatus: record.byStatus,
    accepted: ids.length,
    refused,
    p99Ms2xx: record.latency2xxMs?.p99 ?? null,
    health: healthFigures ?? {},
    drainS,
    lost: {
      accepted201: ids.length,
      createdInWindow: created.count,
      createdByStatus: created.byStatus,
      sampled: sample.length,
      sampleFound: sample.length - missing.length,
      sampleMissing: missing.slice(0, 20),
      ok: missing.length === 0 && created.count >= ids.length,
    },
  };
}

// ---------------------------------------------------------------- main

interface PeerRun {
  peer: Peer;
  settings: Record<string, unknown>;
  figures: LoadFigures;
  /** Orders and outbox rows in its database after it stopped (warm-up included); null if they could not be counted. */
  written: { orders: number; outbox: number } | null;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const { durationS, connections, warmupS } = opts;
  say(
    `bench (${opts.mode}): ${durationS} s per target, ${connections} connections, ${warmupS} s warm-up; ${opts.mode === 'embedded' ? `sqlite synchronous=${opts.sqliteSync}, ` : ''}platform log level ${opts.logLevel} -> ${opts.logFile}`,
  );

  const busyBefore = await cpuBusyPct();
  const loadBefore = load3();
  if (busyBefore > 20) say(`warning: the machine is already ${busyBefore} % busy (load ${loadBefore.join(' ')}) before the bench starts; figures will be low and noisy`);

  // Same claims as the platform's customer token, so every target gets headers of the same size.
  const benchSecret = randomUUID() + randomUUID();
  const benchToken = await tokenAuthority(benchSecret).mint({ subject: 'bench-customer', tenant: 'bench', role: 'customer' }, 6 * 3600);

  /** Starts a target without state, loads it (warm-up, then measured), stops it. */
  async function measure(name: string, file: string, env: Record<string, string>): Promise<{ target: Target; figures: LoadFigures }> {
    say(`starting ${name}...`);
    const target = await startTarget(name, file, env);
    try {
      const plan = { urls: [target.ready.url], path: target.ready.path, token: benchToken, sku: target.ready.sku, connections, serverPids: [target.proc.pid] };
      if (warmupS > 0) {
        say(`warming up ${name} for ${warmupS}s...`);
        await runLoad({ ...plan, durationS: warmupS });
      }
      say(`running ${name} for ${durationS}s...`);
      return { target, figures: await runLoad({ ...plan, durationS }) };
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

  // 3. the peers: the same acceptance in the frameworks a Node team would pick instead
  const peers: PeerRun[] = [];
  if (opts.phases.includes('peers')) {
    for (const peer of PEERS) {
      const db = await peerDatabase(opts.mode, opts);
      try {
        const { target, figures } = await measure(peer.name, peer.file, { ...peer.env, ...db.env });
        const written = await db.written().catch((error: unknown) => {
          say(`  could not count what ${peer.name} wrote: ${String(error)}`);
          return null;
        });
        peers.push({ peer, settings: target.ready.settings, figures, written });
      } finally {
        await db.remove();
      }
    }
  }

  // 4. the real platform
  const sys = opts.mode === 'distributed' ? await startDistributed(opts) : await startEmbedded(opts);
  let accepted: Acceptance;
  let steady: Sustained | undefined;
  let over: Overload | undefined;
  const memory = new MemoryTracker(sys.processes);
  try {
    await memory.sample('ready');
    memory.start(5_000);
    accepted = await acceptance(sys, opts);
    await memory.sample('after acceptance');
    if (opts.phases.includes('sustained')) {
      steady = await sustained(sys, opts, accepted.figures.ok2xxPerSec);
      await memory.sample('after sustained');
    }
    if (opts.phases.includes('overload')) {
      over = await overload(sys, opts, accepted.figures.ok2xxPerSec);
      await memory.sample('after overload');
    }
  } finally {
    memory.stop();
    await sys.stop();
  }
  let js: JetstreamFigures | undefined;
  if (opts.phases.includes('jetstream')) {
    js = await runJetstreamBench({
      messages: opts.jsMessages,
      batch: 500,
      db: opts.mode === 'distributed' ? 'postgres' : 'sqlite',
      postgres: opts.postgres,
      natsServer: opts.natsServer,
      dataParent: opts.dataParent,
      timeoutS: 120,
    });
  }

  const bareRps = bareFigures.ok2xxPerSec;
  const orderFigures = accepted.figures;
  const ratio = orderFigures.ok2xxPerSec / bareRps;
  const pipelineRatio = pipelineFigures.ok2xxPerSec / bareRps;
  const completedRatio = accepted.confirmedPerSec / bareRps;
  const r4 = (n: number) => Math.round(n * 10_000) / 10_000;
  const cpuList = cpus();
  const result = {
    date: new Date().toISOString(),
    mode: opts.mode,
    node: process.version,
    cpus: cpuList.length,
    machine: machineInfo(busyBefore, loadBefore),
    durationS,
    connections,
    warmupS,
    settleS: opts.settleS,
    ...(opts.mode === 'embedded' ? { sqliteSynchronous: opts.sqliteSync } : { replicas: opts.replicas }),
    platformLog: { level: opts.logLevel, destination: opts.logFile },
    loadGenerator: `autocannon ${versionOf('autocannon')} in the parent process on the same machine (shares its CPUs with the target)`,
    request: {
      method: 'POST',
      body: JSON.parse(ORDER_BODY(sys.sku)) as unknown,
      headers: ['authorization: Bearer <customer JWT>', 'content-type: application/json', 'idempotency-key: bench-<unique per request>'],
    },
    targets: {
      bare: { description: `bare Fastify ${bare.ready.settings.fastify}, one POST route: parse JSON, answer 201 with a small JSON body`, ...bareFigures },
      pipeline: {
        description: "the kit's request pipeline (request id, context, trace span, behaviour log, JWT auth, schema validation) in front of the same answer, no database",
        ...pipelineFigures,
      },
      orderPlacement: {
        description:
          opts.mode === 'distributed'
            ? 'POST /api/orders on the distributed platform (every service its own process, PostgreSQL, JetStream), split over the order replicas, every request a new order'
            : 'POST /api/orders on the embedded platform (all services in one process), every request a new order',
        settings: sys.settings,
        ...orderFigures,
        completion: {
          note: 'orders confirmed during the measured window: confirmed orders of the bench customer whose updatedAt (time of their last status change) lies in the window, read newest first down to the horizon (the oldest order not final before the warm-up)',
          horizon: accepted.horizon,
          windowS: accepted.windowS,
          confirmedInWindow: accepted.confirmedInWindow,
          confirmedPerSec: accepted.confirmedPerSec,
          count: accepted.confirmedCount,
          notFinalAtStop: accepted.notFinalAtStop,
          settleS: accepted.settleS,
          drainS: accepted.drainS,
        },
      },
    },
    ratio: r4(ratio),
    pipelineRatio: r4(pipelineRatio),
    p99Ms: orderFigures.latencyMs.p99,
    timeouts: orderFigures.timeouts,
    completedRatio: r4(completedRatio),
    drainS: accepted.drainS,
    peers: peers.length
      ? Object.fromEntries(
          peers.map(({ peer, settings, figures, written }) => [
            peer.key,
            {
              description: peer.description,
              settings,
              ratio: r4(figures.ok2xxPerSec / bareRps),
              acceptanceOverPeer: figures.ok2xxPerSec > 0 ? r4(orderFigures.ok2xxPerSec / figures.ok2xxPerSec) : null,
              written,
              ...figures,
            },
          ]),
        )
      : undefined,
    sustained: steady && {
      description: 'orders offered at a fixed rate (autocannon overallRate) for the measured duration, the backlog of orders not final sampled every second',
      backlogAtStart: steady.backlogAtStart,
      rate: steady.rate,
      rateFrom: steady.rateFrom,
      acceptedPerSec: steady.figures.ok2xxPerSec,
      confirmedPerSec: steady.confirmedPerSec,
      completedRatio: r4(steady.confirmedPerSec / bareRps),
      confirmedInWindow: steady.confirmedInWindow,
      windowS: steady.windowS,
      p99Ms: steady.figures.latencyMs.p99,
      timeouts: steady.figures.timeouts,
      pending: steady.pending,
      bounded: steady.bounded,
      boundedRule: steady.boundedRule,
      pendingSamples: steady.pendingSamples,
      drainS: steady.drainS,
      horizon: steady.horizon,
      load: steady.figures,
    },
    jetstream: js,
    memory: {
      description: 'the platform processes: RSS from /proc/<pid>/status (VmRSS), heap from process.memoryUsage() in the process (SIGUSR2); sampled when ready, after each phase and every 5 s; MiB, summed over the processes',
      ...memory.summary(),
      samples: memory.samples,
    },
    overload: over && {
      description: '3 x the acceptance rate offered (autocannon overallRate) over 3 x the connections; health polled every 100 ms meanwhile',
      rate: over.rate,
      connections: over.connections,
      durationS: opts.overloadS,
      backlogAtStart: over.backlogAtStart,
      sentPerSec: over.figures.sentPerSec,
      acceptedPerSec: over.figures.ok2xxPerSec,
      statusCodes: over.byStatus,
      refused: over.refused,
      p99Ms2xx: over.p99Ms2xx,
      latency2xxMs: over.figures.responses?.latency2xxMs ?? null,
      timeouts: over.figures.timeouts,
      errors: over.figures.errors,
      health: over.health,
      drainS: over.drainS,
      nothingLost: over.lost,
      load: { ...over.figures, responses: undefined },
    },
  };

  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);

  const loadRows: [string, LoadFigures][] = [
    ['bare fastify', bareFigures],
    ['kit pipeline', pipelineFigures],
    ...peers.map(({ peer, figures }): [string, LoadFigures] => [peer.name, figures]),
    ['order placement', orderFigures],
    ...(steady ? ([[`sustained at ${fmt(steady.rate)}/s`, steady.figures]] as [string, LoadFigures][]) : []),
    ...(over ? ([[`overload at ${fmt(over.rate)}/s`, over.figures]] as [string, LoadFigures][]) : []),
  ];
  const goal = TARGETS[opts.mode];
  const rows: FigureRow[] = [
    { figure: 'bare Fastify POST (the baseline)', value: `${fmt(bareRps, 0)} req/s`, ofBare: null, target: '', met: null },
    { figure: 'kit pipeline, no I/O', value: `${fmt(pipelineFigures.ok2xxPerSec, 0)} req/s`, ofBare: pipelineRatio, target: '≥ 60 % of bare', met: pipelineRatio >= 0.6 },
    { figure: 'acceptance: POST /api/orders 2xx', value: `${fmt(orderFigures.ok2xxPerSec, 0)} req/s`, ofBare: ratio, target: `≥ ${goal.acceptance * 100} % of bare`, met: ratio >= goal.acceptance },
    { figure: 'acceptance p99', value: `${fmt(orderFigures.latencyMs.p99)} ms`, ofBare: null, target: `< ${goal.p99Ms} ms`, met: orderFigures.latencyMs.p99 < goal.p99Ms },
    { figure: 'acceptance timeouts', value: fmt(orderFigures.timeouts), ofBare: null, target: '0', met: orderFigures.timeouts === 0 },
    ...peers.map(({ peer, figures }): FigureRow => {
      const ahead = figures.ok2xxPerSec > 0 ? orderFigures.ok2xxPerSec / figures.ok2xxPerSec : null;
      return {
        figure: `${peer.name} POST /orders 2xx, p99`,
        value: `${fmt(figures.ok2xxPerSec, 0)} req/s, ${fmt(figures.latencyMs.p99)} ms`,
        ofBare: figures.ok2xxPerSec / bareRps,
        target: `acceptance ahead${ahead === null ? '' : ` (${fmt(ahead, 2)} x)`}`,
        met: ahead === null ? null : ahead > 1,
      };
    }),
    { figure: 'completed: confirmed during the window', value: `${fmt(accepted.confirmedPerSec, 0)} /s`, ofBare: completedRatio, target: `≥ ${goal.completed * 100} % of bare`, met: completedRatio >= goal.completed },
    {
      figure: 'drain: every order final after the load',
      value: accepted.drainS === null ? `> ${opts.settleS} s` : `${accepted.drainS} s`,
      ofBare: null,
      target: `≤ ${goal.drainS} s`,
      met: accepted.drainS !== null && accepted.drainS <= goal.drainS,
    },
  ];
  if (steady) {
    const sr = steady.confirmedPerSec / bareRps;
    const p = steady.pending;
    rows.push(
      { figure: `sustained: offered`, value: `${fmt(steady.rate)} /s`, ofBare: steady.rate / bareRps, target: steady.rateFrom, met: null },
      { figure: 'sustained: accepted', value: `${fmt(steady.figures.ok2xxPerSec, 0)} req/s`, ofBare: steady.figures.ok2xxPerSec / bareRps, target: '', met: null },
      { figure: 'sustained: confirmed during the window', value: `${fmt(steady.confirmedPerSec, 0)} /s`, ofBare: sr, target: `≥ ${goal.completed * 100} % of bare`, met: sr >= goal.completed },
      { figure: 'sustained: p99', value: `${fmt(steady.figures.latencyMs.p99)} ms`, ofBare: null, target: '', met: null },
      {
        figure: 'sustained: not final first/mid/last/max',
        value: [p.first, p.middle, p.last, p.max].map((n) => (n === null ? '-' : fmt(n))).join(' / ') + (p.capped ? ' (capped)' : ''),
        ofBare: null,
        target: 'bounded',
        met: steady.bounded,
      },
      {
        figure: 'sustained: drain after the run',
        value: steady.drainS === null ? `> ${opts.settleS} s` : `${steady.drainS} s`,
        ofBare: null,
        target: `≤ ${goal.drainS} s`,
        met: steady.drainS !== null && steady.drainS <= goal.drainS,
      },
      {
        figure: 'sustained: platform CPU per order, load to drain',
        value: steady.cpuMsPerOrder === null ? '- (began with a backlog, or did not drain)' : `${fmt(steady.cpuMsPerOrder, 2)} ms`,
        ofBare: null,
        target: '',
        met: null,
      },
    );
  }
  if (over) {
    const o = over;
    const codes = Object.entries(o.byStatus)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, v]) => `${code}: ${fmt(v.count)}${code === '201' ? '' : ` (${fmt(v.withRetryAfter)} Retry-After)`}`)
      .join(', ');
    const h = (k: string) => o.health[k];
    const healthMet = (k: string) => (h(k) ? h(k)!.failures === 0 && (h(k)!.latencyMs?.max ?? 0) <= 100 : null);
    const healthValue = (k: string) => (h(k)?.latencyMs ? `p99 ${fmt(h(k)!.latencyMs!.p99, 1)} / max ${fmt(h(k)!.latencyMs!.max, 1)} ms` : 'no polls');
    rows.push(
      { figure: 'overload: offered / sent', value: `${fmt(o.rate)} / ${fmt(o.figures.sentPerSec, 0)} /s`, ofBare: o.rate / bareRps, target: '3 x acceptance', met: null },
      { figure: 'overload: answers', value: codes || 'none', ofBare: null, target: 'refusals 503/429 + Retry-After', met: o.refused.count === 0 ? null : o.refused.withRetryAfter === o.refused.count },
      { figure: 'overload: p99 of 2xx', value: o.p99Ms2xx === null ? 'none' : `${fmt(o.p99Ms2xx, 1)} ms`, ofBare: null, target: '< 100 ms', met: o.p99Ms2xx === null ? null : o.p99Ms2xx < 100 },
      { figure: 'overload: timeouts / errors', value: `${fmt(o.figures.timeouts)} / ${fmt(o.figures.errors)}`, ofBare: null, target: '0', met: o.figures.timeouts === 0 && o.figures.errors === 0 },
      { figure: 'overload: /health/live', value: healthValue('live'), ofBare: null, target: '≤ 100 ms throughout', met: healthMet('live') },
      { figure: 'overload: /health/ready', value: healthValue('ready'), ofBare: null, target: '≤ 100 ms throughout', met: healthMet('ready') },
      {
        figure: 'overload: accepted orders found',
        value: `${fmt(o.lost.createdInWindow)} created / ${fmt(o.lost.accepted201)} 201; ${o.lost.sampleFound}/${o.lost.sampled} read back`,
        ofBare: null,
        target: 'none lost',
        met: o.lost.ok,
      },
      { figure: 'overload: drain after the run', value: o.drainS === null ? `> ${opts.settleS} s` : `${o.drainS} s`, ofBare: null, target: '', met: null },
    );
  }
  const mem = memory.summary();
  if (mem.start && mem.end) {
    const m = (x: { total: { rssMb: number | null; heapUsedMb: number | null } } | null) =>
      x ? `${x.total.rssMb === null ? '?' : fmt(x.total.rssMb)}/${x.total.heapUsedMb === null ? '?' : fmt(x.total.heapUsedMb)}` : '-';
    rows.push({
      figure: 'memory RSS/heap MiB start/mid/end',
      value: `${m(mem.start)} · ${m(mem.middle)} · ${m(mem.end)}`,
      ofBare: null,
      target: 'flat once warm (10-min run)',
      met: null,
    });
  }
  const out = [
    '',
    `Order placement vs bare Fastify (${opts.mode}) — ${durationS} s each, ${connections} connections, node ${process.version}, ${cpuList.length} CPUs (load generator on the same machine)`,
    opts.mode === 'distributed'
      ? `platform: ${String(sys.settings.processes)} on PostgreSQL (${String(sys.settings.databaseName)}) and JetStream (${String(sys.settings.natsUrl)}), load on ${String(sys.settings.loaded)}, log level ${opts.logLevel} -> ${opts.logFile}`
      : `platform: sqlite synchronous=${opts.sqliteSync} on ${String(sys.settings.dataDirFs)}, ${sys.settings.threadServices !== 'none' ? `service thread: ${String(sys.settings.threadServices)}` : 'one thread'}, log level ${opts.logLevel} -> ${opts.logFile}`,
    ...(busyBefore > 20 ? [`WARNING: the machine was ${busyBefore} % busy before the run started; other work skews these figures`] : []),
    ...loadRows.filter(([, f]) => (f.cpuPct.other ?? 0) > 20).map(([name, f]) => `WARNING: other processes used ${fmt(f.cpuPct.other ?? 0)} % of a core during the ${name} run; its figures are skewed`),
    '',
    loadTable(loadRows),
    '',
    figureTable(rows),
    '',
    ...(js ? [jetstreamTable(js), ''] : []),
    `orders not final when the load stopped: ${fmt(accepted.notFinalAtStop.count)}${accepted.notFinalAtStop.capped ? '+' : ''}; confirmed in the ${accepted.windowS.toFixed(1)} s window: ${fmt(accepted.confirmedInWindow)} (read ${fmt(accepted.confirmedCount.read)} orders in ${accepted.confirmedCount.pages} pages, ${accepted.confirmedCount.tookMs} ms)`,
    `(targets from issue 8; the drain target is for a 30 s spike at capacity, so a shorter --duration makes it easier)`,
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

// `npm run bench fuzz -- [options]`: the fuzz benchmark (bench/fuzz.ts) instead of order placement;
// `npm run bench jetstream -- [options]`: the JetStream microbench (bench/jetstream.ts).
const sub = process.argv[2];
const run =
  sub === 'fuzz'
    ? () => import('./fuzz.js').then((fuzz) => fuzz.main(process.argv.slice(3)))
    : sub === 'jetstream'
      ? () => import('./jetstream.js').then((js) => js.main(process.argv.slice(3)))
      : main;

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
