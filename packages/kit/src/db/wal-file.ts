import { closeSync, fdatasync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

/** A SQLite file in WAL mode whose commits never wait for the disk on the event loop. */
export interface WalFile {
  file: SQLite.Database;
  /** Resolves once everything committed before the call is on disk (FULL), at once under NORMAL. */
  durable(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite's own checkpoint stays as a safety net only: it runs inside the
 * commit that crosses the threshold, on the event loop. 10,000 pages is about
 * 40 MB of log, reached only if the checkpoint thread fell behind.
 */
const FALLBACK_CHECKPOINT_PAGES = 10_000;
/** When the writer starts the log over, it cuts the file back to this; a burst's log does not hold the disk forever. */
const LOG_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Opens `path` in WAL mode with synchronous=NORMAL, so a commit only writes
 * the log. Under FULL (the default), `durable()` is what makes commits
 * survive a power loss: see walFlusher. Checkpoints, which copy the log into
 * the database file and sync it, run on the checkpoint thread.
 */
export function openWalFile(path: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): WalFile {
  const file = new SQLite(path);
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  file.pragma(`journal_size_limit = ${LOG_SIZE_LIMIT_BYTES}`);
  const flusher = synchronous === 'FULL' ? walFlusher(`${path}-wal`) : undefined;
  checkpointThread.watch(path);
  return {
    file,
    durable: () => flusher?.flush() ?? Promise.resolve(),
    close: async () => {
      await flusher?.flush().catch(() => undefined);
      checkpointThread.unwatch(path);
      file.close();
      flusher?.close();
    },
  };
}

/**
 * Makes what was committed to a WAL-mode SQLite file durable without blocking
 * the event loop: an fdatasync of the write-ahead log in libuv's thread pool.
 * With synchronous=NORMAL SQLite writes each commit to the WAL without
 * syncing it (and syncs it itself before every checkpoint), so once the WAL
 * is synced every commit before that point survives a power loss, as under
 * synchronous=FULL. Callers that arrive while a sync runs share the next one:
 * the disk is flushed once per burst of commits, not once per commit.
 */
function walFlusher(walPath: string): { flush(): Promise<void>; close(): void } {
  let fd: number | undefined;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const sync = () =>
    new Promise<void>((resolve, reject) => {
      // Opened at the first flush: the WAL exists once something was written.
      fd ??= openSync(walPath, 'r');
      fdatasync(fd, (error) => (error ? reject(error) : resolve()));
    });
  function flush(): Promise<void> {
    if (!running) {
      running = sync().finally(() => (running = undefined));
      return running;
    }
    // The sync in flight may have started before the caller's commit: it waits for the one after.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return flush();
      });
    return queued;
  }
  return {
    flush,
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** How often the checkpoint thread copies each file's new log pages into it; sooner while it is behind. */
const CHECKPOINT_INTERVAL_MS = 100;
const CATCH_UP_MS = 5;

/**
 * The thread's own code: a connection per watched file, and a PASSIVE
 * checkpoint of each on a timer. PASSIVE neither waits for nor blocks the
 * service's writer; the writer starts the log over once a checkpoint has
 * caught up. Under NORMAL the checkpoint syncs the log before copying and
 * the database file after, so nothing durable is ever only in pages the
 * writer may overwrite.
 */
const CHECKPOINT_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const files = new Map();
parentPort.on('message', ({ watch, unwatch }) => {
  if (watch && !files.has(watch)) {
    const file = new SQLite(watch);
    file.pragma('synchronous = NORMAL');
    files.set(watch, file);
  }
  if (unwatch) {
    files.get(unwatch)?.close();
    files.delete(unwatch);
  }
});
// A checkpoint that a commit overtook is incomplete; the next one soon after has little left to copy.
function pass() {
  let behind = false;
  for (const file of files.values()) {
    try {
      const [{ log, checkpointed }] = file.pragma('wal_checkpoint(PASSIVE)');
      behind ||= checkpointed < log;
    } catch { /* busy or closing: the next pass tries again */ }
  }
  setTimeout(pass, behind ? workerData.catchUpMs : workerData.intervalMs);
}
pass();
`;

/**
 * One thread checkpoints every SQLite file of the process. Measured before:
 * 124 of 1,214 commits in an order bench took over 3 ms (19 over 10 ms),
 * 63 % of all commit time, each a checkpoint inside a commit holding the
 * event loop. Started at the first file, stopped with the last.
 */
const checkpointThread = (() => {
  let worker: Worker | undefined;
  const watched = new Map<string, number>();
  const start = () => {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const thread = new Worker(CHECKPOINT_THREAD, { eval: true, workerData: { driver, intervalMs: CHECKPOINT_INTERVAL_MS, catchUpMs: CATCH_UP_MS } });
    // Should the thread die, SQLite's fallback checkpoint keeps every file in bounds.
    thread.on('error', () => undefined);
    thread.unref();
    return thread;
  };
  return {
    watch(path: string) {
      worker ??= start();
      watched.set(path, (watched.get(path) ?? 0) + 1);
      worker.postMessage({ watch: path });
    },
    unwatch(path: string) {
      const count = (watched.get(path) ?? 1) - 1;
      if (count > 0) return void watched.set(path, count);
      watched.delete(path);
      worker?.postMessage({ unwatch: path });
      if (watched.size === 0) {
        void worker?.terminate();
        worker = undefined;
      }
    },
  };
})();
