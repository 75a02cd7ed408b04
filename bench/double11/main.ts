/**
 * `npm run double11`: a Singles' Day midnight rehearsal. Starts the platform
 * (or uses --target), sets up a brand of its own, replays the night's shape
 * with a realistic mix through the public API while showing live how the
 * platform holds, waits for it to drain, reconciles order by order, and
 * writes report.json and report.html. Exit 1 when any check fails.
 *
 * `npm run double11 -- reconcile --from DIR --data DIR|--database URL`
 * runs the reconciliation again on data (a copy, say) with what the clients
 * of a finished run were told (DIR/client.json).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tokenAuthority, type Role } from '@omnishop/kit';
import { loadPlatformConfig, signingKeys } from '../../packages/platform/src/config.js';
import { platformEnv, startCluster } from '../lib/distributed.js';
import { BENCH_DIR, cleanUp, say, startTarget, stopTarget } from '../lib/procs.js';
import { runCrowd } from './crowd.js';
import { DEFAULT_MIX } from './mix.js';
import { drained, Probe, type Gauge } from './probe.js';
import { LiveView } from './progress.js';
import { reconcile } from './reconcile.js';
import { acceptedIds, type ClientRecord } from './record.js';
import { buildReport, checksTable, writeReport, type Report, type Settings } from './report.js';
import { phaseAt, phases, PROFILES, rateAt, type ProfileName, type Shape } from './shape.js';
import { readSnapshot } from './snapshot.js';
import { openSource, type DataSource } from './source.js';
import { setUpBrand } from './setup.js';
import { Timeline, totals, type Second } from './stats.js';

const HELP = `Usage: npm run double11 -- [options]
       npm run double11 -- reconcile --from DIR (--data DIR | --database URL)
       npm run -s cli -- double11 [options]            (the same)

A Singles' Day midnight rehearsal. By default it starts the embedded platform
on a fresh data folder; --target runs against one already running. It sets up
a brand of its own (styles, a limited edition about to sell out, stores and
warehouses, stock spread over them, campaigns with budgets smaller than their
coupons, coupons in customers' wallets, members), then replays the night: a
quiet baseline, the spike to --peak within seconds at 00:00, a plateau, a
tail. The mix, all through the public API: browsing styles and stock, online
orders with and without coupons (some for the limited edition), customers
cancelling, resends with the same Idempotency-Key, till sales at many stores
in cash and by wallet, stores racing to claim offered orders, booking couriers
and shipping or click & collect, customers confirming receipt, returns. The
simulated wallet provider calls back, failing --payment-failure-rate of them.

While it runs: elapsed and remaining time, rate against the target, p50/p99,
errors by status, orders by state, outbox backlog and consumer lag. Then it
waits for the platform to drain (bounded), reconciles, and writes
report.json, report.html (charts, reconciliation) and client.json to --out.
Exit code 1 when a check fails (the report names the items), 2 on bad usage.

Options:
  --profile <name>      smoke (${PROFILES.smoke.durationS} s, peak ${PROFILES.smoke.peak}/s: the CI run, under a minute in
                        all) or midnight (${PROFILES.midnight.durationS} s, peak ${PROFILES.midnight.peak}/s; default)
  --duration <s>        seconds of load (default: the profile's)
  --peak <n>            requests per second at the top (default: the profile's)
  --workers <n>         load worker threads (default: the profile's)
  --customers <n>       customers of the brand (default: the profile's)
  --stores <n>          stores of the brand, besides two warehouses (default: the profile's)
  --drain-timeout <s>   how long to wait for the platform to drain (default: the profile's)
  --seed <n>            seed of the mix's choices (default 11)
  --out <dir>           where the report goes (default bench/results/double11-<time>)
  --mode <mode>         without --target, what to start: embedded (default; one
                        process, SQLite, the embedded bus) or distributed (every
                        service its own process, order and inventory twice, on a
                        fresh PostgreSQL database and a nats-server of its own,
                        behind the gateway)
  --postgres <url>      distributed: the server to make the database on (default
                        postgres://postgres@127.0.0.1:5432/postgres; dropped after)
  --payment-failure-rate <r>
                        share of wallet payments the simulated provider fails, for
                        a platform started here (default 0.05)
  --platform-data <dir> embedded: start the platform on this folder and keep it
                        (default: a temporary folder, removed afterwards)
  --target <url>        a running platform (embedded, or distributed through its
                        gateway); then the reconciliation reads its data from:
  --data <dir>          the embedded platform's DATA_DIR (SQLite, read-only), or
  --database <url>      the distributed platform's PostgreSQL database
  --metrics <urls>      --target: the platform's processes whose GET /metrics
                        tell consumer lag and outbox backlog, comma-separated
                        (default: the target's; in distributed mode name each
                        service's process, the gateway tells only its own)
  --jwt-secret <key>    --target: the signing key to mint tokens with (default:
                        the configuration's, as npm run token uses)
  -h, --help            this text
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  base: string;
  mode: 'embedded' | 'distributed';
  mint: (claims: { subject: string; tenant: string; role: Role; store?: string }) => Promise<string>;
  source: DataSource;
  /** Base URLs of the platform's processes, each serving /metrics (lag and backlog). */
  metricsUrls: string[];
  stop: () => Promise<void>;
  describe: string;
  /** The platform's processes, when started here (their CPU is sampled). */
  pids: number[];
}

async function startOwnTarget(o: { mode: string; postgres: string; failureRate: string; platformData?: string; outDir: string }): Promise<Target> {
  const secret = randomUUID() + randomUUID();
  const mint = (authority: ReturnType<typeof tokenAuthority>) => (c: { subject: string; tenant: string; role: Role; store?: string }) => authority.mint(c, 6 * 3600);
  const env = { PAYMENT_FAILURE_RATE: o.failureRate, LOG_LEVEL: 'warn' };
  if (o.mode === 'distributed') {
    say('starting the distributed platform (PostgreSQL, JetStream, every service its own process)...');
    const cluster = await startCluster({ postgres: o.postgres, dataParent: tmpdir(), replicas: 2, logLevel: 'warn', logFile: join(o.outDir, 'platform.log'), prepare: false, env });
    return {
      base: cluster.gateway.ready.url,
      mode: 'distributed',
      mint: mint(tokenAuthority(cluster.secret)),
      source: openSource({ databaseUrl: cluster.database.url }),
      metricsUrls: cluster.processes.map((p) => p.ready.url),
      stop: cluster.stop,
      describe: `distributed: ${cluster.processes.length} processes behind the gateway at ${cluster.gateway.ready.url}`,
      pids: cluster.processes.map((p) => p.proc.pid).filter((pid): pid is number => pid !== undefined),
    };
  }
  const dataDir = o.platformData ? resolve(o.platformData) : mkdtempSync(join(tmpdir(), 'omnishop-double11-'));
  say(`starting the embedded platform on ${dataDir}...`);
  const target = await startTarget('platform', 'service.ts', {
    ...platformEnv(secret, env.LOG_LEVEL, join(o.outDir, 'platform.log')),
    PAYMENT_FAILURE_RATE: env.PAYMENT_FAILURE_RATE,
    DATA_DIR: dataDir,
    // Thousands of customers and clerks of one brand: the brand's limit would measure itself.
    RATE_LIMIT_BRAND_MAX: '0',
  });
  return {
    base: target.ready.url,
    mode: 'embedded',
    mint: mint(tokenAuthority(secret)),
    source: openSource({ dataDir }),
    metricsUrls: [target.ready.url],
    stop: async () => {
      await stopTarget(target);
      if (!o.platformData) rmSync(dataDir, { recursive: true, force: true });
    },
    describe: `embedded at ${target.ready.url}, data in ${dataDir}`,
    pids: target.proc.pid === undefined ? [] : [target.proc.pid],
  };
}

function externalTarget(o: { target: string; data?: string; database?: string; metrics?: string; jwtSecret?: string }): Target {
  const authority = tokenAuthority(o.jwtSecret ?? signingKeys(loadPlatformConfig()));
  return {
    base: o.target.replace(/\/$/, ''),
    mode: o.database ? 'distributed' : 'embedded',
    mint: (c) => authority.mint(c, 6 * 3600),
    source: openSource({ dataDir: o.data, databaseUrl: o.database }),
    metricsUrls: o.metrics ? o.metrics.split(',').map((u) => u.trim().replace(/\/$/, '')) : [o.target.replace(/\/$/, '')],
    stop: async () => undefined,
    describe: `${o.target} (${o.database ? 'distributed' : 'embedded'})`,
    pids: [],
  };
}

/** Polls the platform until it has drained or the time is up; seconds from `stoppedAt`, or null. */
async function drain(probe: Probe, stoppedAt: number, timeoutS: number, gauges: Gauge[]): Promise<number | null> {
  for (;;) {
    const g = await probe.sample().catch(() => undefined);
    if (g) gauges.push(g);
    const at = (Date.now() - stoppedAt) / 1000;
    if (g && drained(g)) return Math.round(Math.max(0, at) * 10) / 10;
    if (at >= timeoutS) return null;
    await sleep(500);
  }
}

/** Waits until the platform has handled every event of the setup (the order service knows the coupons and members). */
async function settle(probe: Probe, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const g = await probe.sample();
    if (drained(g)) return;
    await sleep(250);
  }
  say('  the setup\'s events are not all handled yet; going on');
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string', default: 'midnight' },
      duration: { type: 'string' },
      peak: { type: 'string' },
      workers: { type: 'string' },
      customers: { type: 'string' },
      stores: { type: 'string' },
      'drain-timeout': { type: 'string' },
      seed: { type: 'string', default: '11' },
      out: { type: 'string' },
      mode: { type: 'string', default: 'embedded' },
      postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'payment-failure-rate': { type: 'string', default: '0.05' },
      'platform-data': { type: 'string' },
      target: { type: 'string' },
      data: { type: 'string' },
      database: { type: 'string' },
      metrics: { type: 'string' },
      'jwt-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const profileName = values.profile as ProfileName;
  const profile = PROFILES[profileName];
  if (!profile) return usage(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  if (!['embedded', 'distributed'].includes(values.mode)) return usage('--mode must be embedded or distributed');
  if (values.target && !values.data && !values.database) return usage('--target needs --data DIR (embedded) or --database URL (distributed): the reconciliation reads the ledger, captures and claims there');
  const int = (v: string | undefined, fallback: number, name: string) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number`);
    return n;
  };
  const shape: Shape = { ...profile, durationS: int(values.duration, profile.durationS, 'duration'), peak: int(values.peak, profile.peak, 'peak') };
  const workers = Math.floor(int(values.workers, profile.workers, 'workers'));
  const drainTimeoutS = int(values['drain-timeout'], profile.drainTimeoutS, 'drain-timeout');
  const seed = Math.floor(int(values.seed, 11, 'seed'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(values.out ?? join(BENCH_DIR, 'results', `double11-${stamp}`));
  rmSync(join(outDir, 'report.json'), { force: true });
  (await import('node:fs')).mkdirSync(outDir, { recursive: true });

  const startedAt = new Date().toISOString();
  const target = values.target
    ? externalTarget({ target: values.target, data: values.data, database: values.database, metrics: values.metrics, jwtSecret: values['jwt-secret'] })
    : await startOwnTarget({ mode: values.mode, postgres: values.postgres, failureRate: values['payment-failure-rate'], platformData: values['platform-data'], outDir });
  let probe: Probe | undefined;
  try {
    say(`target: ${target.describe}`);
    const tenant = `d11${randomBytes(4).toString('hex')}`;
    const setupStarted = Date.now();
    const world = await setUpBrand({
      base: target.base,
      tenant,
      customers: Math.floor(int(values.customers, profile.customers, 'customers')),
      stores: Math.floor(int(values.stores, profile.stores, 'stores')),
      mint: (c) => target.mint({ ...c, tenant }),
      say,
    });
    let startAtMs = Date.now() + 1000;
    probe = new Probe(target.source, tenant, target.metricsUrls, () => startAtMs, target.pids);
    await settle(probe);
    say(`  set up in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s: ${world.skus.length} SKUs, ${world.stores.length} locations, ${world.customers.length} customers, ${world.customers.length * 2} coupons`);

    const { midnightS } = phases(shape);
    say(`the night: ${shape.durationS} s, baseline ${Math.round(shape.peak * shape.baselineRatio)}/s, 00:00 at ${midnightS.toFixed(0)} s, peak ${shape.peak}/s, ${workers} load worker(s)`);
    const timeline = new Timeline();
    const gauges: Gauge[] = [];
    const errorsByStatus: Record<string, number> = {};
    let waiting = 0;
    const live = new LiveView();
    startAtMs = Date.now() + 1000;
    const onSecond = (s: Second, w: number) => {
      timeline.add(s);
      waiting = w;
      for (const [status, n] of Object.entries(s.byStatus)) if (!/^2/.test(status)) errorsByStatus[status] = (errorsByStatus[status] ?? 0) + n;
    };
    let lastGauge: Gauge | undefined;
    let sampling = false;
    const ticker = setInterval(() => {
      const t = (Date.now() - startAtMs) / 1000;
      if (t < 0) return;
      const secs = timeline.all();
      live.show({ t: Math.min(t, shape.durationS), durationS: shape.durationS, phase: t >= shape.durationS ? 'draining' : phaseAt(shape, t), targetRps: rateAt(shape, Math.min(t, shape.durationS - 0.001)), last: secs.at(-1), recent: secs.slice(-3), errorsByStatus, waiting, gauge: lastGauge });
      if (!sampling) {
        sampling = true;
        probe!
          .sample()
          .then((g) => {
            lastGauge = g;
            gauges.push(g);
          })
          .catch(() => undefined)
          .finally(() => (sampling = false));
      }
    }, 1000);
    let record: ClientRecord;
    try {
      record = await runCrowd({ base: target.base, shape, mix: DEFAULT_MIX, world, startAtMs, seed, maxInFlight: 2000, connections: 128 }, workers, onSecond);
    } finally {
      clearInterval(ticker);
    }
    live.done();
    const stoppedAt = startAtMs + shape.durationS * 1000;
    say(`load done; waiting up to ${drainTimeoutS} s for the platform to drain...`);
    const drainS = await drain(probe, stoppedAt, drainTimeoutS, gauges);
    say(drainS === null ? `  not drained within ${drainTimeoutS} s` : `  drained ${drainS} s after the load stopped`);

    say('reconciling...');
    const seconds = timeline.all();
    const byStatus = totals(seconds).byStatus;
    const snapshot = await readSnapshot(target.source, tenant, { base: target.base, adminToken: world.adminToken });
    const checks = reconcile(snapshot, record, byStatus);
    const ordersByStatus: Record<string, number> = {};
    for (const o of snapshot.orders) ordersByStatus[o.status] = (ordersByStatus[o.status] ?? 0) + 1;
    const settings: Settings = {
      profile: profileName,
      target: target.base,
      mode: target.mode,
      tenant,
      durationS: shape.durationS,
      peak: shape.peak,
      workers,
      seed,
      drainTimeoutS,
      midnightS,
      shape,
      mix: DEFAULT_MIX,
      customers: world.customers.length,
      locations: world.stores.length,
      skus: world.skus.length,
      paymentFailureRate: values.target ? 'the platform\'s own' : Number(values['payment-failure-rate']),
    };
    const report = buildReport({
      startedAt,
      settings,
      seconds,
      gauges,
      checks,
      drainS,
      accepted: acceptedIds(record).size,
      ordersByStatus,
      sources: { load: 'the load generator: every answer it got', liveOrders: `order database (${target.source.where})`, liveEvents: `outbox backlog and consumer lag: GET /metrics of ${target.metricsUrls.join(', ')}`, ...snapshot.sources },
    });
    const files = writeReport(outDir, report, record);
    console.log(summaryOf(report));
    console.log(checksTable(checks));
    console.log(`report: ${relative(process.cwd(), files.html)} and report.json`);
    return report.ok ? 0 : 1;
  } finally {
    await target.source.close();
    await target.stop();
  }
}

function summaryOf(r: Report): string {
  const byStatus = Object.entries(r.byStatus).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ');
  return [
    `double11 ${r.settings.profile} against ${r.settings.mode}: ${r.ok ? 'PASSED' : 'FAILED'}`,
    `  requests ${r.requests.toLocaleString('en-US')} (${byStatus}); skipped by the client ${r.skipped}`,
    `  peak ${r.peakRps}/s, sustained ${r.sustainedRps}/s on the plateau, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (from when each request was due)`,
    `  orders ${r.orders.accepted.toLocaleString('en-US')} accepted: ${Object.entries(r.orders.byStatus).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `  drain ${r.drainS === null ? `not within ${r.settings.drainTimeoutS} s: orders still in their saga also fail the checks that follow their events` : `${r.drainS} s after the load stopped`}`,
    ...Object.entries(r.byPhase).map(([phase, f]) => `  ${phase.padEnd(8)} ${f.seconds} s: ${f.answeredPerS}/s answered of ${f.targetPerS}/s offered, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, refused ${f.refused}, skipped ${f.skipped}`),
  ].join('\n');
}

/** `reconcile`: the checks again, on data (a copy, say) and what a finished run's clients were told. */
async function reconcileAgain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' }, data: { type: 'string' }, database: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.from || (!values.data && !values.database)) return usage('reconcile needs --from DIR (a finished run: report.json, client.json) and --data DIR or --database URL');
  const report = JSON.parse(readFileSync(join(values.from, 'report.json'), 'utf8')) as Report;
  const record = JSON.parse(readFileSync(join(values.from, 'client.json'), 'utf8')) as ClientRecord;
  const source = openSource({ dataDir: values.data, databaseUrl: values.database });
  try {
    const snapshot = await readSnapshot(source, report.settings.tenant);
    const checks = reconcile(snapshot, record, report.byStatus);
    console.log(checksTable(checks));
    const ok = checks.every((c) => c.ok);
    writeFileSync(join(values.from, 'reconciliation-again.json'), `${JSON.stringify({ ok, source: source.where, reconciliation: checks }, null, 2)}\n`);
    return ok ? 0 : 1;
  } finally {
    await source.close();
  }
}

class UsageError extends Error {}

function usage(message: string): number {
  console.error(`${message}\n\n${HELP}`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  try {
    return argv[0] === 'reconcile' ? await reconcileAgain(argv.slice(1)) : await run(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return usage((error as Error).message);
    throw error;
  }
}

/**
 * The command as a whole, from `npm run double11` or the CLI's `double11`:
 * a Ctrl-C stops what was started (the platform, a cluster, their data), as
 * does the end of the run.
 */
export async function command(argv: string[]): Promise<number> {
  let stopping = false;
  const interrupt = () => {
    if (stopping) return;
    stopping = true;
    say('interrupted: stopping what was started...');
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    return await main(argv);
  } finally {
    await cleanUp();
  }
}

const direct = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (direct) {
  command(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('double11 failed:', error);
      process.exit(1);
    },
  );
}
