import { mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { pino, type Logger, type DestinationStream } from 'pino';
import SonicBoom from 'sonic-boom';
import { prettyFactory } from 'pino-pretty';
import { Ring } from '../ring/index.js';

export type { Logger };

/** Keys whose values never reach a log line, at any depth of plain objects. */
const SECRET_KEYS = new Set(['password', 'secret', 'token', 'authorization', 'jwtSecret', 'refreshToken', 'cookie']);
const REDACTED = '[redacted]';
const MAX_DEPTH = 5;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * The logged object with every secret key's value replaced, copying only the
 * objects on the way to a secret. Done as pino's log formatter rather than
 * its `redact` paths: those walked every wildcard path for every line, 6.6 of
 * the 9.6 µs a behaviour record cost, and a service writes one per request
 * and per event. Objects that are not plain (a request, an error) are left to
 * their serializers.
 */
function redactSecrets(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const v = value[key];
    const redacted = SECRET_KEYS.has(key) ? REDACTED : redactWithin(v, depth + 1);
    if (redacted !== v) {
      copy ??= { ...value };
      copy[key] = redacted;
    }
  }
  return copy ?? value;
}

function redactWithin(v: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return v;
  if (isPlainObject(v)) return redactSecrets(v, depth);
  if (!Array.isArray(v)) return v;
  const items = v.map((item) => redactWithin(item, depth + 1));
  return items.some((item, i) => item !== v[i]) ? items : v;
}

export interface LogOptions {
  level?: string;
  name?: string;
  destination?: DestinationStream;
}

/**
 * pino's ISO timestamp, made once per millisecond: a busy process writes many
 * records in the same millisecond, and formatting the date for each was 1.3 %
 * of a loaded order thread.
 */
function isoTimeOncePerMs(): () => string {
  let at = 0;
  let field = '';
  return () => {
    const now = Date.now();
    if (now !== at) {
      at = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

export function createLogger(opts: LogOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      // Which process said it, once logs of several replicas are merged (the platform adds its port once it listens).
      base: { ...(opts.name ? { app: opts.name } : {}), pid: process.pid, hostname: hostname() },
      formatters: { log: redactSecrets },
      timestamp: isoTimeOncePerMs(),
    },
    opts.destination,
  );
}

export type LogFormat = 'json' | 'pretty';

/**
 * `auto` picks JSON lines for machines (production, or output piped to a file
 * or a collector) and pretty lines for a person at a terminal in development.
 */
export function chooseLogFormat(setting: 'auto' | LogFormat, where: { tty: boolean; production: boolean }): LogFormat {
  if (setting !== 'auto') return setting;
  return where.tty && !where.production ? 'pretty' : 'json';
}

/** How many bytes of log lines are gathered before a write, and how long at most a line waits for one (a SIGKILL loses that much). */
const LOG_CHUNK = 65536;
const LOG_FLUSH_MS = 100;

/**
 * A log written in the background, to a file or a file descriptor (1:
 * stdout): lines are gathered and written in large writes off the event
 * loop, at least every LOG_FLUSH_MS; `flush` writes what is left (at exit).
 * Bytes, not strings, are gathered: sonic-boom's string mode (pino's own
 * stdout stream) measures the UTF-8 length of the whole pending chunk, up to
 * 16 KiB, at every line, which cost 5 µs a line against 1 µs here, and a
 * service writes a behaviour record per request and per event.
 */
export function logStream(to: string | number): { destination: DestinationStream; flush(): void } {
  // Opened here, not in the background: a process that stops at once (a bad setting) still flushes what it said.
  if (typeof to === 'string') mkdirSync(dirname(to), { recursive: true });
  // A write per LOG_CHUNK bytes, or every LOG_FLUSH_MS, rather than one per line as soon as none is in flight: each
  // write is a job for libuv's thread pool, and a line per request and event made them 5 % of a busy service's CPU.
  // 64 KiB rather than 8: handing a write to the pool cost a busy pipeline about 2 µs of its 45 a request at 8 KiB.
  // sonic-boom wants its largest write above the chunk.
  const stream = new SonicBoom({ fd: typeof to === 'number' ? to : openSync(to, 'a'), sync: false, contentMode: 'buffer', minLength: LOG_CHUNK, maxWrite: 2 * LOG_CHUNK, periodicFlush: LOG_FLUSH_MS });
  let open = true;
  // A reader gone away (a closed pipe) ends the log, not the process, as with pino's own stream.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    open = false;
  });
  return {
    // The buffer mode takes bytes; its types only know strings.
    destination: { write: (line: string) => open && stream.write(Buffer.from(line) as unknown as string) },
    flush: () => open && stream.flushSync(),
  };
}

/** pino writes one JSON line per record, level first and message last: enough to route without parsing. */
const isRoutineBehaviour = (line: string) => line.endsWith('"msg":"behaviour"}\n') && !/^\{"level":(50|60)/.test(line);

/**
 * A log for a person: every record pretty-printed to `console` (stdout by
 * default), except the routine behaviour records (one per request, event and
 * job), which would drown the rest; they go as JSON lines to `behaviourFile`.
 * Failed requests and events (level error) stay on the console too.
 */
export function humanReadableLog(opts: { behaviourFile: string; console?: { write(text: string): unknown } }): DestinationStream {
  const out = opts.console ?? process.stdout;
  const prettify = prettyFactory({ colorize: opts.console ? false : process.stdout.isTTY, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' });
  // Synchronous: a development log, and nothing is lost when the process exits.
  const behaviour = pino.destination({ dest: opts.behaviourFile, mkdir: true, sync: true });
  return {
    write(line: string) {
      if (isRoutineBehaviour(line)) behaviour.write(line);
      else out.write(prettify(line));
    },
  };
}

/**
 * One record per request, per consumed event and per job run: who did what,
 * for which brand, how it ended and how long it took. The original system
 * shipped these to Kafka and queried them later; here they are JSON lines.
 */
export interface BehaviourRecord {
  service: string;
  kind: 'request' | 'event' | 'job';
  /** Route (`POST /api/orders`), event type or job name. */
  action: string;
  tenant?: string | undefined;
  principal?: string | undefined;
  role?: string | undefined;
  /** HTTP status, or `ok` / `retry` / `dead-letter` / `duplicate` for events. */
  status: number | string;
  latencyMs: number;
  requestId: string;
  traceId?: string | undefined;
  error?: string | undefined;
}

/** A behaviour record as this thread keeps it in memory: the record, and when it was written (ms since the epoch). */
export interface KeptBehaviour extends BehaviourRecord {
  at: number;
}

/**
 * This thread's last 10,000 records of requests and consumed events, whatever the log level, for the
 * console to find by request, trace or who (the log itself goes to a file or a collector). Job runs,
 * which come every few seconds, are left out: an idle hour of them would push out every request.
 */
const recentBehaviour = new Ring<{ at: number; record: BehaviourRecord }>(10_000);

/** The records this thread keeps that `matches` accepts, oldest first. */
export function keptBehaviour(matches: (record: BehaviourRecord) => boolean = () => true): KeptBehaviour[] {
  return recentBehaviour
    .all()
    .filter(({ record }) => matches(record))
    .map(({ at, record }) => ({ ...record, at }));
}

export function behaviourLog(logger: Logger, record: BehaviourRecord): void {
  if (record.kind !== 'job') recentBehaviour.push({ at: Date.now(), record });
  const failed = typeof record.status === 'number' ? record.status >= 500 : record.status === 'dead-letter' || record.status === 'failed';
  // A 503 is said on purpose (not ready yet, load, the database away): a warning, not an error.
  const refused = record.status === 503;
  // Routine job runs come every few seconds; at info they would drown the requests.
  const level = refused ? 'warn' : failed ? 'error' : record.kind === 'job' ? 'debug' : 'info';
  logger[level]({ behaviour: record }, 'behaviour');
}
