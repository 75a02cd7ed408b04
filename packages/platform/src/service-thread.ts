import { Worker } from 'node:worker_threads';
import type { Logger, RetryPolicy } from '@omnishop/kit';
import type { PlatformConfig } from './config.js';
import type { LogSpec } from './logging.js';
import { answersReady } from './upstreams.js';

/** What the service thread starts with: plain data, copied to it. */
export interface ServiceThreadData {
  config: PlatformConfig;
  log: LogSpec;
  retry?: RetryPolicy;
}

/** What the service thread says to the thread that started it. */
export type ServiceThreadMessage = { kind: 'listening'; url: string } | { kind: 'failed'; message: string; stack?: string } | { kind: 'stopped' };

export interface ServiceThread {
  /** Where the thread's services answer; the main thread forwards their routes here. */
  url: string;
  /** Resolves when the thread's own /health/ready answers 200. */
  ready(): Promise<void>;
  /** The thread's JavaScript heap (process.memoryUsage() tells the main thread's only). */
  heap(): Promise<{ usedBytes: number; totalBytes: number }>;
  stop(): Promise<void>;
}

/** A stopping thread that has not finished after this long is terminated. */
const STOP_GRACE_MS = 15_000;

/**
 * The process's node options, for the thread too. TypeScript runs through tsx: a thread started from a
 * process without its loader (a test runner's) gets it. A CPU profile's fixed file name is left out, so
 * the thread writes its own profile (CPU.<date>.<pid>.<thread>.cpuprofile) instead of overwriting the process's.
 */
const inherited = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof-name'));
const execArgv = inherited.some((arg) => arg.includes('tsx')) ? inherited : [...inherited, '--import', 'tsx'];

/**
 * Starts `data.config.services` on a thread of their own, with its own event
 * loop: a second CPU core for an embedded platform, whose one event loop is
 * otherwise its limit. The thread is a platform process of its own in all but
 * the process (its own HTTP port on the loopback, its own service databases,
 * the same bus), so nothing a service does depends on where it runs.
 */
export function startServiceThread(data: ServiceThreadData, logger: Logger): Promise<ServiceThread> {
  const worker = new Worker(new URL('./service-thread-entry.ts', import.meta.url), { workerData: data, execArgv, name: `omnishop ${data.config.services}` });
  let stopping = false;
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!stopping) logger.error({ code, services: data.config.services }, 'the service thread stopped; its routes answer 503 and /health/ready 503');
      reject(new Error(`the service thread (${data.config.services}) exited with code ${code} while starting`));
    });
    worker.on('message', (message: ServiceThreadMessage) => {
      if (message.kind === 'failed') reject(Object.assign(new Error(message.message), { stack: message.stack }));
      if (message.kind !== 'listening') return;
      worker.off('error', reject);
      worker.on('error', (error) => logger.error({ err: error, services: data.config.services }, 'the service thread failed'));
      resolve({
        url: message.url,
        async ready() {
          if (!(await answersReady(message.url))) throw new Error(`the service thread (${data.config.services}) is not ready`);
        },
        async heap() {
          const h = await worker.getHeapStatistics();
          return { usedBytes: h.used_heap_size, totalBytes: h.total_heap_size };
        },
        async stop() {
          stopping = true;
          const exited = new Promise((done) => worker.once('exit', done));
          worker.postMessage('stop');
          const grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
          await exited;
          clearTimeout(grace);
        },
      });
    });
  });
}
