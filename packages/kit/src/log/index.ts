import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, at any of the depths we log. */
const SECRET_KEYS = ['password', 'secret', 'token', 'authorization', 'jwtSecret', 'refreshToken', 'cookie'];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.headers.${k}`]);

export interface LogOptions {
  level?: string;
  name?: string;
  destination?: DestinationStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.name ? { app: opts.name } : {},
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
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

export function behaviourLog(logger: Logger, record: BehaviourRecord): void {
  const failed = typeof record.status === 'number' ? record.status >= 500 : record.status === 'dead-letter' || record.status === 'failed';
  // Routine job runs come every few seconds; at info they would drown the requests.
  const level = failed ? 'error' : record.kind === 'job' ? 'debug' : 'info';
  logger[level]({ behaviour: record }, 'behaviour');
}
