import { pino } from 'pino';
import { createLogger, humanReadableLog, type LogFormat, type Logger } from '@omnishop/kit';

/**
 * Where and how a platform process writes its log lines, as plain data: the
 * main thread and the service thread each build their logger from it.
 */
export interface LogSpec {
  level: string;
  /** json (default): JSON lines, to `file` or stdout; pretty: see humanReadableLog. */
  format?: LogFormat;
  /** pretty: where the routine behaviour records go. */
  behaviourFile?: string;
  /** json: a file instead of stdout, written asynchronously (flush at the end). */
  file?: string;
}

export function platformLogger(spec: LogSpec): { logger: Logger; flush(): void } {
  if (spec.format === 'pretty') {
    if (!spec.behaviourFile) throw new Error('a pretty log needs a behaviourFile for the behaviour records');
    return { logger: createLogger({ level: spec.level, name: 'omnishop', destination: humanReadableLog({ behaviourFile: spec.behaviourFile }) }), flush: () => undefined };
  }
  if (!spec.file) return { logger: createLogger({ level: spec.level, name: 'omnishop' }), flush: () => undefined };
  const destination = pino.destination({ dest: spec.file, sync: false });
  return { logger: createLogger({ level: spec.level, name: 'omnishop', destination }), flush: () => destination.flushSync() };
}
