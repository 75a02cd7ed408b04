import { pino } from 'pino';
import { createLogger } from '@omnishop/kit';
import type { PlatformConfig } from '../../packages/platform/src/config.js';
import { startPlatform } from '../../packages/platform/src/platform.js';
import { exitOnSignals } from './protocol.js';

/** Where a bench target's log lines go. */
export const BENCH_LOG_DESTINATION = process.env.BENCH_LOG_DEST ?? '/dev/null';

/**
 * Starts the platform as a bench target: its log lines go to BENCH_LOG_DESTINATION
 * through the same kind of stream pino uses for stdout
 * by default (SonicBoom, asynchronous), so every line is built and written
 * exactly as in production, only to another file; a signal stops it
 * gracefully and flushes the log.
 */
export async function startBenchPlatform(config: PlatformConfig) {
  const destination = pino.destination({ dest: BENCH_LOG_DESTINATION, sync: false });
  const platform = await startPlatform(config, createLogger({ level: config.logLevel, name: 'omnishop', destination }));
  exitOnSignals(async () => {
    await platform.stop();
    destination.flushSync();
  });
  return platform;
}
