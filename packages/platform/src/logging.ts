import { createLogger, humanReadableLog, logStream, type LogFormat, type Logger } from '@omnishop/kit';

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
  /** json: a file instead of stdout. Either is written in the background, and flushed at exit. */
  file?: string;
}

export function platformLogger(spec: LogSpec): { logger: Logger; flush(): void } {
  if (spec.format === 'pretty') {
    if (!spec.behaviourFile) throw new Error('a pretty log needs a behaviourFile for the behaviour records');
    return { logger: createLogger({ level: spec.level, name: 'omnishop', destination: humanReadableLog({ behaviourFile: spec.behaviourFile }) }), flush: () => undefined };
  }
  // JSON lines, to the file or to stdout, written in the background and flushed when the process (or thread) exits.
  const { destination, flush } = logStream(spec.file ?? 1);
  process.once('exit', flush);
  return { logger: createLogger({ level: spec.level, name: 'omnishop', destination }), flush };
}
