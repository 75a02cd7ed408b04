/** A row of the embedded bus's log: its place, its event's type and the envelope as stored. */
export interface TailRow {
  seq: number;
  type: string;
  envelope: string;
}

/** What a group is handed: its next rows, and how far the log was looked through for them. */
export interface TailBatch {
  rows: TailRow[];
  /** Every row up to here was looked at: the group's next read starts after it (or after its last row). */
  scannedTo: number;
}

/**
 * The newest part of a log, read once and shared by every consumer group that reads it here.
 * Each group reading the log for itself (a query per group per publish, each looking through
 * every new row for its types) was the most frequent read of the embedded bus under load; the
 * groups near the head, nearly all of them, now take their rows from memory, and the log is
 * queried once per batch of new rows. A group further behind than the tail reaches reads the
 * log itself (`before`) until it has caught up.
 *
 * It holds the rows after `from` up to `to`, all of them: the log is appended in seq order
 * (SQLite has one writer), so a read of the rows after `to` gives a consistent next stretch.
 * It lets go of rows every group here has passed, and of the oldest beyond `capacity`.
 */
export class LogTail {
  private rows: TailRow[] = [];
  private from: number;
  private to: number;
  /** How far each group here has been served: rows below all of them are dropped. */
  private readonly positions = new Map<string, number>();
  /** Whether the log may have rows after `to`: a read that comes back short says no, until told of a publish. */
  private mayHaveGrown = true;

  constructor(
    /** Reads the log's rows after `after`, in seq order, at most `limit`. */
    private readonly read: (after: number, limit: number) => TailRow[],
    /** Where the log ends now: the tail starts there. */
    head: number,
    private readonly capacity = 10_000,
    private readonly readLimit = 1_000,
  ) {
    this.from = head;
    this.to = head;
  }

  /** Where the tail starts: a group at or past it is served here, one before it reads the log up to it itself. */
  get start(): number {
    return this.from;
  }

  /** Something may have been published: the next group at the end of the tail reads the log again. */
  grown(): void {
    this.mayHaveGrown = true;
  }

  /** The next rows of `types` after `after`, at most `limit`; undefined when `after` is before the tail. */
  next(group: string, after: number, types: ReadonlySet<string>, limit: number): TailBatch | undefined {
    if (after < this.from) {
      this.positions.delete(group); // it reads the log itself: the tail does not wait for it
      return undefined;
    }
    this.positions.set(group, after);
    const rows: TailRow[] = [];
    let i = this.indexAfter(after);
    for (;;) {
      for (; i < this.rows.length && rows.length < limit; i++) {
        if (types.has(this.rows[i]!.type)) rows.push(this.rows[i]!);
      }
      if (rows.length === limit) return { rows, scannedTo: rows.at(-1)!.seq };
      const scanned = this.to;
      if (this.readMore() === 0) return { rows, scannedTo: scanned };
      i = this.indexAfter(scanned);
    }
  }

  /** Appends what was published since `to`, after letting go of what no group here needs; how many rows. */
  private readMore(): number {
    if (!this.mayHaveGrown) return 0;
    this.trim();
    const read = this.read(this.to, this.readLimit);
    this.mayHaveGrown = read.length === this.readLimit;
    if (!read.length) return 0;
    for (const row of read) this.rows.push(row);
    this.to = read.at(-1)!.seq;
    return read.length;
  }

  private trim(): void {
    let below = Math.min(...this.positions.values());
    if (this.rows.length > this.capacity) below = Math.max(below, this.rows[this.rows.length - this.capacity]!.seq - 1);
    if (below <= this.from) return;
    this.rows.splice(0, this.indexAfter(below));
    this.from = Math.min(below, this.to);
  }

  /** The index of the first row whose seq is above `seq`. */
  private indexAfter(seq: number): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.rows[mid]!.seq <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
