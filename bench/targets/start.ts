import type { PlatformConfig } from '../../packages/platform/src/config.js';
import { platformLogger } from '../../packages/platform/src/logging.js';
import { startPlatform } from '../../packages/platform/src/platform.js';
import { exitOnSignals } from './protocol.js';

/** Where a bench target's log lines go. */
export const BENCH_LOG_DESTINATION = process.env.BENCH_LOG_DEST ?? '/dev/null';

/**
 * Starts the platform as a bench target: its log lines (the service thread's
 * too) go to BENCH_LOG_DESTINATION through the stream the platform uses for
 * stdout (platformLogger), so every line is built and written exactly as in
 * production, only to another file; a signal stops it
 * gracefully and flushes the log.
 */
export async function startBenchPlatform(config: PlatformConfig) {
  const log = { level: config.logLevel, file: BENCH_LOG_DESTINATION };
  const { logger, flush } = platformLogger(log);
  const platform = await startPlatform(config, logger, { threadLog: log });
  exitOnSignals(async () => {
    await platform.stop();
    flush();
  });
  return platform;
}
