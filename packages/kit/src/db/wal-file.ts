import { closeSync, fdatasync, openSync } from 'node:fs';
import SQLite from 'better-sqlite3';

/** A SQLite file in WAL mode whose commits never wait for the disk on the event loop. */
export interface WalFile {
  file: SQLite.Database;
  /** Resolves once everything committed before the call is on disk (FULL), at once under NORMAL. */
  durable(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite checkpoints inside the commit that crosses this many pages of log,
 * on the event loop: copying the log into the database file and syncing it.
 * Fewer, larger checkpoints cost less in all than SQLite's default of 1,000
 * pages (measured in the order bench: commits took 0.54 ms on average at
 * 10,000 pages against 1.47 ms at 1,000). A checkpoint thread of its own
 * measured worse still: it let the writer start the log over after every
 * pass, and commits then waited on pages being written back (15 commits over
 * 10 ms, 1.5 s in all, against 11 and 0.17 s).
 */
const CHECKPOINT_PAGES = 10_000;
/** When the writer starts the log over, it cuts the file back to this; a burst's log does not hold the disk forever. */
const LOG_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Where SQLite keeps the undo of a savepoint (every unit of work in a group commit runs in one) and
 * its temporary tables: in memory, not in a temporary file of its own. In a file it cost about 8
 * write calls and 20 KiB written per order, for data that is thrown away at the commit.
 */
const TEMP_STORE = 'MEMORY';

/**
 * Opens `path` in WAL mode with synchronous=NORMAL, so a commit only writes
 * the log. Under FULL (the default), `durable()` is what makes commits
 * survive a power loss: see walFlusher.
 */
export function openWalFile(path: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): WalFile {
  const file = new SQLite(path);
  // Another thread of the process may be writing the same file (the bus log): wait for it rather than fail.
  file.pragma('busy_timeout = 5000');
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
  file.pragma(`journal_size_limit = ${LOG_SIZE_LIMIT_BYTES}`);
  file.pragma(`temp_store = ${TEMP_STORE}`);
  const flusher = synchronous === 'FULL' ? walFlusher(`${path}-wal`) : undefined;
  return {
    file,
    durable: () => flusher?.flush() ?? Promise.resolve(),
    close: async () => {
      await flusher?.flush().catch(() => undefined);
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
