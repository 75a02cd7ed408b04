import { parentPort, workerData } from 'node:worker_threads';
import { platformLogger } from './logging.js';
import { startPlatform } from './platform.js';
import type { ServiceThreadData, ServiceThreadMessage } from './service-thread.js';

/** The service thread: the platform with the services it was given, until the main thread says stop. */
const { config, log, retry } = workerData as ServiceThreadData;
const port = parentPort!;
const say = (message: ServiceThreadMessage) => port.postMessage(message);
const { logger, flush } = platformLogger(log);

try {
  const platform = await startPlatform(config, logger, { retry });
  port.on('message', (message) => {
    if (message !== 'stop') return;
    void platform.stop().finally(() => {
      flush();
      say({ kind: 'stopped' });
      port.close();
    });
  });
  say({ kind: 'listening', url: platform.url });
} catch (error) {
  const { message, stack } = error as Error;
  say({ kind: 'failed', message, stack });
  port.close();
}
