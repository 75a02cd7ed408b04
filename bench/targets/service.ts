/**
 * Distributed target: one process of the platform (the services named in
 * SERVICES, usually one), configured from the environment exactly as
 * `npm start` is (DATABASE_URL, BUS_URL, BUS_STREAM, JWT_SECRET, UPSTREAMS,
 * ...; no config files), started by bench/run.ts --mode distributed. It
 * announces its URL on stdout once it listens, and on SIGUSR2 writes its
 * process.memoryUsage() as one marked line on stderr.
 *
 * Environment besides the platform's own: BENCH_LOG_DEST, where log lines go
 * (default /dev/null).
 */
import { loadPlatformConfig } from '../../packages/platform/src/config.js';
import { announce, answerMemoryRequests } from './protocol.js';
import { startBenchPlatform } from './start.js';

async function main(): Promise<void> {
  answerMemoryRequests();
  const config = loadPlatformConfig(process.env, '/nonexistent');
  const platform = await startBenchPlatform(config);
  announce({
    url: platform.url,
    path: '/api/orders',
    token: '',
    sku: '',
    settings: { services: config.services, database: 'postgresql', bus: 'nats', stream: config.busStream, logLevel: config.logLevel },
  });
}

main().catch((error: unknown) => {
  console.error('service target failed to start:', error);
  process.exit(1);
});
