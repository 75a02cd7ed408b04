/**
 * What a target child process prints, as one JSON line on stdout, once it is
 * ready to be loaded. Nothing else is written to its stdout.
 */
export interface ReadyLine {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The route under load, e.g. /api/orders */
  path: string;
  /** Bearer token to send (a customer of the bench brand); empty when the target checks none. */
  token: string;
  /** The SKU the order body names. */
  sku: string;
  /** Settings worth recording beside the figures (no secrets). */
  settings: Record<string, string | number | boolean>;
}

export const ORDER_BODY = (sku: string) => JSON.stringify({ lines: [{ sku, qty: 1 }] });

/** The one warehouse the bench keeps its stock at: opened through the store service first, as stock is received only at a known location. */
export const BENCH_WAREHOUSE = { code: 'WH_SH', name: 'Bench warehouse', type: 'warehouse', city: 'Shanghai', lat: 31.23, lng: 121.47, hours: {} };

export function announce(line: ReadyLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits. Further signals are
 * ignored (Ctrl-C reaches the whole process group, and the parent sends
 * SIGTERM as well); the parent falls back to SIGKILL if stopping hangs.
 */
export function exitOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Prefix of the one stderr line a target writes when asked for its memory (SIGUSR2). */
export const MEMORY_MARK = '@@bench-memory ';

/** process.memoryUsage() of a target, in MiB, with the moment it was taken. */
export interface MemoryLine {
  at: string;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

/**
 * On SIGUSR2, writes process.memoryUsage() as one line on stderr, after
 * MEMORY_MARK, for the parent to read (bench/lib/procs.ts memoryOf). Without
 * this handler SIGUSR2 would end the process: call it before announcing.
 */
export function answerMemoryRequests(otherThreads: () => Promise<{ usedBytes: number; totalBytes: number }[]> = async () => []): void {
  process.on('SIGUSR2', async () => {
    const m = process.memoryUsage();
    const threads = await otherThreads().catch(() => []);
    const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    const line: MemoryLine = {
      at: new Date().toISOString(),
      rssMb: mb(m.rss),
      // Every thread's heap: the platform's service thread has its own.
      heapUsedMb: mb(threads.reduce((sum, t) => sum + t.usedBytes, m.heapUsed)),
      heapTotalMb: mb(threads.reduce((sum, t) => sum + t.totalBytes, m.heapTotal)),
      externalMb: mb(m.external),
      arrayBuffersMb: mb(m.arrayBuffers),
    };
    process.stderr.write(`${MEMORY_MARK}${JSON.stringify(line)}\n`);
  });
}
