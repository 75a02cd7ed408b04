/**
 * `npm run bench jetstream`: JetStream publish and consume rates, raw with
 * the client the project uses (@nats-io/jetstream), beside the kit's paths
 * over it, in one run on a JetStream server of the bench's own:
 *
 *   publish  raw js.publish, in batches of --batch in flight (Promise.all)
 *            kit NatsBus.publish, the same batches
 *            kit Relay: the outbox (a service database) to the bus, deleting
 *            what it published, until empty
 *   consume  raw: a durable pull consumer, consume(), every message acked
 *            kit NatsBus delivery to a subscription that does nothing (the
 *            bus's batching, JSON and acks alone)
 *            kit Consumer: a no-op handler in a unit of work per batch, the
 *            event id recorded exactly once (processed_event), on the database
 *
 * Every measurement has a stream of its own holding --messages envelopes of
 * the size of an OrderPlaced. Also run as the last phase of
 * `npm run bench -- --mode distributed`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import {
  acrossTenants,
  busRoutes,
  Consumer,
  createEnvelope,
  createLogger,
  defineEvent,
  eventMigrations,
  migrate,
  NatsBus,
  onEvent,
  openDatabase,
  Relay,
  unitOfWork,
  type EventEnvelope,
  type EventTables,
  type Kysely,
  type ServiceDatabase,
} from '@omnishop/kit';
import { freshDatabase, startNats, type NatsServer } from './lib/distributed.js';
import { machineInfo, cpuBusyPct, load3, versionOf } from './lib/machine.js';
import { BENCH_DIR, cleanUp, removeTempDir, removeTempDirs, say, tempDirs } from './lib/procs.js';
import { fmt, render } from './lib/report.js';

export const JETSTREAM_HELP = `Usage: npm run bench jetstream -- [options]

JetStream publish and consume rates: raw with @nats-io/jetstream ${versionOf('@nats-io/jetstream')}, beside
the kit's NatsBus publish, its Relay (outbox to bus), its bus delivery and its
Consumer (exactly-once on a database), in one run on a nats-server the bench
starts on a free port. Prints a table to stdout (progress to stderr) and
writes JSON.

Options:
  --messages <n>        events per measurement (default 20000; --quick 5000)
  --batch <n>           publishes in flight at once, raw and kit (default 500,
                        the relay's batch)
  --db <kind>           the kit Relay's and Consumer's database: postgres
                        (default, as in distributed mode) or sqlite
  --postgres <url>      server to make a fresh database on (default
                        postgres://postgres@127.0.0.1:5432/postgres; dropped after)
  --nats-server <path>  nats-server binary (default /usr/sbin/nats-server)
  --data-parent <dir>   where temporary folders go (default ${tmpdir()})
  --timeout <s>         give up a measurement after this long (default 120)
  --out <file>          JSON output (default bench/results/jetstream-<timestamp>.json)
  --quick               smoke run: 5000 messages
  -h, --help            this text
`;

export interface JetstreamOptions {
  messages: number;
  batch: number;
  db: 'postgres' | 'sqlite';
  postgres: string;
  natsServer: string;
  dataParent: string;
  timeoutS: number;
}

export interface Rate {
  messages: number;
  /** Messages done when it stopped (fewer than `messages` if it timed out). */
  done: number;
  seconds: number;
  perSec: number;
  timedOut: boolean;
}

export interface JetstreamFigures {
  messages: number;
  envelopeBytes: number;
  batch: number;
  db: string;
  client: string;
  publish: { raw: Rate; kitBus: Rate; kitRelay: Rate };
  consume: { raw: Rate; kitBus: Rate; kitConsumer: Rate };
  ratios: { kitBusPublish: number; relay: number; kitBusConsume: number; consumer: number };
}

const BenchEvent = defineEvent(
  'BenchEvent',
  1,
  'An event of the JetStream microbench, the size of an OrderPlaced.',
  Type.Object({ n: Type.Integer(), orderId: Type.String(), customerId: Type.String(), lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer(), unitPrice: Type.Integer() })), total: Type.Integer() }),
);

/** The bench's two consumer groups, the kit bus's no-op subscription and the kit Consumer, each sent the bench's events. */
const ROUTES = busRoutes([{ group: 'noop', types: [BenchEvent.type] }, { group: 'jsbench', types: [BenchEvent.type] }]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function envelopes(n: number): EventEnvelope[] {
  return Array.from({ length: n }, (_, i) =>
    createEnvelope(BenchEvent, {
      source: 'jsbench',
      key: randomUUID(),
      tenant: 'bench',
      data: { n: i, orderId: randomUUID(), customerId: 'bench-customer', lines: [{ sku: 'BENCH-BLK-M', qty: 1, unitPrice: 9900 }], total: 9900 },
      traceparent: `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`,
    }),
  );
}

function rate(messages: number, done: number, ms: number, timedOut: boolean): Rate {
  const seconds = Math.round(ms) / 1000;
  return { messages, done, seconds, perSec: Math.round((done / Math.max(seconds, 0.001)) * 10) / 10, timedOut };
}

/** Waits until `count()` reaches `n` or `timeoutS` passes; the rate from `startedAt`. */
async function until(n: number, count: () => number | Promise<number>, startedAt: number, timeoutS: number, pollMs = 5): Promise<Rate> {
  const deadline = startedAt + timeoutS * 1000;
  for (;;) {
    const c = await count();
    if (c >= n) return rate(n, c, performance.now() - startedAt, false);
    if (performance.now() > deadline) return rate(n, c, performance.now() - startedAt, true);
    await sleep(pollMs);
  }
}

async function addStream(jsm: JetStreamManager, name: string): Promise<string> {
  const prefix = `${name.toLowerCase()}.events`;
  await jsm.streams.add({ name, subjects: [`${prefix}.>`], duplicate_window: 2 * 60 * 1_000_000_000 });
  return prefix;
}

async function rawPublish(js: JetStreamClient, prefix: string, events: EventEnvelope[], batch: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < events.length; i += batch) {
    await Promise.all(events.slice(i, i + batch).map((e) => js.publish(`${prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id })));
  }
  return performance.now() - started;
}

async function rawConsume(js: JetStreamClient, jsm: JetStreamManager, stream: string, n: number, timeoutS: number): Promise<Rate> {
  await jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 60 * 1_000_000_000 });
  const consumer = await js.consumers.get(stream, 'raw');
  let got = 0;
  const started = performance.now();
  // The same buffer the kit's bus asks for (twice its batch of 200).
  const messages = await consumer.consume({
    max_messages: 400,
    callback: (m) => {
      m.json<EventEnvelope>();
      m.ack();
      got++;
    },
  });
  const r = await until(n, () => got, started, timeoutS);
  await messages.close();
  return r;
}

async function openKitDatabase(opts: JetstreamOptions, dataDir: string, postgresUrl: string | undefined): Promise<ServiceDatabase<EventTables>> {
  const sdb = openDatabase<EventTables>({ service: 'jsbench', url: postgresUrl, dataDir, sqliteSynchronous: 'FULL' });
  await migrate(sdb, 'jsbench', eventMigrations);
  return sdb;
}

async function fillOutbox(db: Kysely<EventTables>, events: EventEnvelope[]): Promise<void> {
  await acrossTenants('the bench fills the outbox', async () => {
    for (let i = 0; i < events.length; i += 500) {
      await db
        .insertInto('outbox')
        .values(events.slice(i, i + 500).map((e) => ({ id: e.id, type: e.type, key: e.key, tenant: e.tenant, envelope: JSON.stringify(e), created_at: e.time })))
        .execute();
    }
  });
}

const countOf = (db: Kysely<EventTables>, table: 'outbox' | 'processed_event') =>
  acrossTenants('the bench counts rows', async () => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));

async function streamMessages(jsm: JetStreamManager, stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

/** Runs every measurement on a fresh nats-server (and database); stops them afterwards. */
export async function runJetstreamBench(opts: JetstreamOptions): Promise<JetstreamFigures> {
  const n = opts.messages;
  let nats: NatsServer | undefined;
  let nc: NatsConnection | undefined;
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let sdb: ServiceDatabase<EventTables> | undefined;
  const buses: NatsBus[] = [];
  const dataDir = mkdtempSync(join(opts.dataParent, 'omnishop-bench-js-'));
  tempDirs.add(dataDir);
  const logger = createLogger({ level: 'warn', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  try {
    nats = await startNats(opts.dataParent, opts.natsServer);
    say(`jetstream: nats-server at ${nats.url}; ${fmt(n)} events per measurement, ${opts.batch} in flight, kit database ${opts.db}`);
    nc = await connect({ servers: nats.url, name: 'bench-raw' });
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const run = randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
    const name = (what: string) => `JS${what}${run}`;

    // Warm-up: the client's and the server's first messages are slow.
    const warmPrefix = await addStream(jsm, name('WARM'));
    const warmN = Math.min(2000, n);
    await rawPublish(js, warmPrefix, envelopes(warmN), opts.batch);
    await rawConsume(js, jsm, name('WARM'), warmN, opts.timeoutS);

    // ---- publish
    const rawEvents = envelopes(n);
    const envelopeBytes = Buffer.byteLength(JSON.stringify(rawEvents[0]));
    const rawPrefix = await addStream(jsm, name('RAW'));
    say('  raw publish...');
    const rawPubMs = await rawPublish(js, rawPrefix, rawEvents, opts.batch);
    const rawPub = rate(n, await streamMessages(jsm, name('RAW')), rawPubMs, false);

    say('  kit NatsBus.publish...');
    const busStream = name('BUS');
    const bus = await NatsBus.connect({ url: nats.url, stream: busStream, subjectPrefix: `${busStream.toLowerCase()}.events`, routes: ROUTES }, logger);
    buses.push(bus);
    const busEvents = envelopes(n);
    const busStarted = performance.now();
    for (let i = 0; i < n; i += opts.batch) await bus.publish(busEvents.slice(i, i + opts.batch));
    const kitBusPub = rate(n, await streamMessages(jsm, busStream), performance.now() - busStarted, false);

    say(`  kit Relay (outbox on ${opts.db} to the bus)...`);
    if (opts.db === 'postgres') database = await freshDatabase(opts.postgres);
    sdb = await openKitDatabase(opts, dataDir, database?.url);
    const relayStream = name('RELAY');
    const relayBus = await NatsBus.connect({ url: nats.url, stream: relayStream, subjectPrefix: `${relayStream.toLowerCase()}.events`, routes: ROUTES }, logger);
    buses.push(relayBus);
    await fillOutbox(sdb.db, envelopes(n));
    const relay = new Relay(sdb.db as never, relayBus, logger, { durable: () => sdb!.durable() });
    const relayStarted = performance.now();
    const flushed = relay.flush();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([flushed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), opts.timeoutS * 1000)))]);
    clearTimeout(timer);
    const kitRelay = rate(n, await streamMessages(jsm, relayStream), performance.now() - relayStarted, timedOut);
    const leftInOutbox = await countOf(sdb.db, 'outbox');
    if (!timedOut && leftInOutbox > 0) say(`  warning: ${leftInOutbox} rows left in the outbox after the relay's flush`);
    await flushed.catch(() => undefined);

    // ---- consume
    say('  raw consume...');
    const rawCon = await rawConsume(js, jsm, name('RAW'), n, opts.timeoutS);

    say('  kit bus delivery (no-op subscription)...');
    const deliveryBus = await NatsBus.connect({ url: nats.url, stream: busStream, subjectPrefix: `${busStream.toLowerCase()}.events`, routes: ROUTES }, logger);
    buses.push(deliveryBus);
    let delivered = 0;
    deliveryBus.subscribe({
      group: 'noop',
      types: [BenchEvent.type],
      handle: async (batch) => {
        delivered += batch.length;
      },
    });
    const deliveryStarted = performance.now();
    await deliveryBus.start();
    const kitBusCon = await until(n, () => delivered, deliveryStarted, opts.timeoutS);
    await deliveryBus.stop();

    say(`  kit Consumer (exactly-once on ${opts.db})...`);
    const consumerBus = await NatsBus.connect({ url: nats.url, stream: relayStream, subjectPrefix: `${relayStream.toLowerCase()}.events`, routes: ROUTES }, logger);
    buses.push(consumerBus);
    const uow = unitOfWork<EventTables>('jsbench', sdb, relay, []);
    consumerBus.subscribe(new Consumer<EventTables>('jsbench', [onEvent(BenchEvent, async () => {})], uow, logger));
    const consumerStarted = performance.now();
    await consumerBus.start();
    const db = sdb.db;
    const kitConsumer = await until(n, () => countOf(db, 'processed_event'), consumerStarted, opts.timeoutS, 20);
    await consumerBus.stop();

    const r = (a: Rate, b: Rate) => Math.round((a.perSec / Math.max(b.perSec, 0.001)) * 1000) / 1000;
    return {
      messages: n,
      envelopeBytes,
      batch: opts.batch,
      db: opts.db,
      client: `@nats-io/jetstream ${versionOf('@nats-io/jetstream')}, @nats-io/transport-node ${versionOf('@nats-io/transport-node')}`,
      publish: { raw: rawPub, kitBus: kitBusPub, kitRelay },
      consume: { raw: rawCon, kitBus: kitBusCon, kitConsumer },
      ratios: { kitBusPublish: r(kitBusPub, rawPub), relay: r(kitRelay, rawPub), kitBusConsume: r(kitBusCon, rawCon), consumer: r(kitConsumer, rawCon) },
    };
  } finally {
    for (const b of buses) await b.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    await sdb?.close().catch(() => undefined);
    await database?.drop().catch((error: unknown) => say(`could not drop the jetstream bench database: ${String(error)}`));
    await nats?.stop();
    removeTempDir(dataDir);
  }
}

export function jetstreamTable(f: JetstreamFigures): string {
  const row = (what: string, x: Rate, base: Rate | null, target: string) => [
    what,
    `${fmt(x.perSec, 0)} /s`,
    `${fmt(x.done)}${x.timedOut ? ' (timed out)' : ''}`,
    `${x.seconds.toFixed(2)} s`,
    base ? `${((x.perSec / Math.max(base.perSec, 0.001)) * 100).toFixed(1)} %` : '',
    target,
    base && target ? (x.perSec >= 0.5 * base.perSec ? 'yes' : 'NO') : '',
  ];
  const body = [
    row('publish: raw js.publish', f.publish.raw, null, ''),
    row('publish: kit NatsBus.publish', f.publish.kitBus, f.publish.raw, ''),
    row(`publish: kit Relay (outbox on ${f.db})`, f.publish.kitRelay, f.publish.raw, '≥ 50 % of raw'),
    row('consume: raw consume + ack', f.consume.raw, null, ''),
    row('consume: kit bus delivery, no-op', f.consume.kitBus, f.consume.raw, ''),
    row(`consume: kit Consumer (on ${f.db})`, f.consume.kitConsumer, f.consume.raw, '≥ 50 % of raw'),
  ];
  return [
    `JetStream: ${fmt(f.messages)} events of ${f.envelopeBytes} bytes per measurement, ${f.batch} publishes in flight; ${f.client}`,
    render(['path', 'rate', 'messages', 'time', 'of raw', 'target', 'met'], body, [0, 5, 6]),
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string' },
      batch: { type: 'string' },
      db: { type: 'string' },
      postgres: { type: 'string' },
      'nats-server': { type: 'string' },
      'data-parent': { type: 'string' },
      timeout: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(JETSTREAM_HELP);
    return;
  }
  const integer = (name: string, raw: string | undefined, fallback: number, min: number) => {
    const v = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(v) || v < min) {
      process.stderr.write(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}\n\n${JETSTREAM_HELP}`);
      process.exit(2);
    }
    return v;
  };
  const db = values.db ?? 'postgres';
  if (db !== 'postgres' && db !== 'sqlite') {
    process.stderr.write(`--db must be postgres or sqlite, got ${JSON.stringify(db)}\n\n${JETSTREAM_HELP}`);
    process.exit(2);
  }
  const opts: JetstreamOptions = {
    messages: integer('messages', values.messages, values.quick ? 5000 : 20_000, 1),
    batch: integer('batch', values.batch, 500, 1),
    db,
    postgres: values.postgres ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    natsServer: values['nats-server'] ?? '/usr/sbin/nats-server',
    dataParent: resolve(values['data-parent'] ?? tmpdir()),
    timeoutS: integer('timeout', values.timeout, 120, 1),
  };
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const out = resolve(values.out ?? join(BENCH_DIR, 'results', `jetstream-${stamp}.json`));
  const busyBefore = await cpuBusyPct();
  const loadBefore = load3();
  if (busyBefore > 20) say(`warning: the machine is already ${busyBefore} % busy before the bench starts; figures will be low and noisy`);
  let figures: JetstreamFigures;
  try {
    figures = await runJetstreamBench(opts);
  } finally {
    await cleanUp();
    removeTempDirs();
  }
  const result = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, machine: machineInfo(busyBefore, loadBefore), ...figures };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${busyBefore > 20 ? `WARNING: the machine was ${busyBefore} % busy before the run started\n` : ''}${jetstreamTable(figures)}\n\nresults written to ${relative(process.cwd(), out) || out}\n`);
}
