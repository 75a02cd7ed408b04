/** A worker thread of the load: runs one Driver and posts its seconds, then what its clients were told. */
import { parentPort, workerData } from 'node:worker_threads';
import { Driver, type DriverPlan } from './driver.js';

const plan = workerData as DriverPlan;
const driver = new Driver(plan, (second) => parentPort!.postMessage({ type: 'second', second, waiting: driver.waiting }));
driver.run().then(
  (record) => parentPort!.postMessage({ type: 'record', record }),
  (error: unknown) => parentPort!.postMessage({ type: 'error', error: String((error as Error)?.stack ?? error) }),
);
