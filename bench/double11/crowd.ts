/**
 * The crowd: the load split over worker threads (one Driver each, its own
 * customers and connections), so one event loop is never what limits the
 * rate offered. Their seconds are merged as they arrive; their client
 * records at the end.
 */
import { Worker } from 'node:worker_threads';
import type { DriverPlan } from './driver.js';
import { mergeRecords, type ClientRecord } from './record.js';
import type { Second } from './stats.js';

const execArgv = process.execArgv.some((arg) => arg.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', 'tsx'];

export async function runCrowd(plan: Omit<DriverPlan, 'worker'>, workers: number, onSecond: (s: Second, waiting: number) => void): Promise<ClientRecord> {
  const waiting = new Array<number>(workers).fill(0);
  const records = await Promise.all(
    Array.from({ length: workers }, (_, index) =>
      new Promise<ClientRecord>((resolve, reject) => {
        const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: { ...plan, worker: { index, of: workers } }, execArgv, name: `double11 load ${index + 1}/${workers}` });
        worker.on('message', (m: { type: 'second'; second: Second; waiting: number } | { type: 'record'; record: ClientRecord } | { type: 'error'; error: string }) => {
          if (m.type === 'second') {
            waiting[index] = m.waiting;
            onSecond(m.second, waiting.reduce((a, n) => a + n, 0));
          } else if (m.type === 'record') {
            resolve(m.record);
            void worker.terminate();
          } else reject(new Error(`load worker ${index + 1} failed: ${m.error}`));
        });
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`load worker ${index + 1} exited with code ${code}`)));
      }),
    ),
  );
  return mergeRecords(records);
}
