import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { BroadcastChannel } from 'node:worker_threads';
import { join, resolve } from 'node:path';
import type SQLite from 'better-sqlite3';
import type { Logger } from 'pino';
import { openWalFile, type WalFile } from '../db/index.js';
import type { Bus, Subscription } from './bus.js';
import type { EventEnvelope } from './envelope.js';
import { LogTail, type TailRow } from './log-tail.js';

/** How long the log keeps an event every group has handled, and how often it is pruned. */
export interface LogRetention {
  seconds: number;
  everyMs: number;
}

/**
 * How often, at most, a group's cursor is written down while it is being delivered to (within about
 * this long of its last batch, the idle wait being as long; and once more when it stops). In between
 * it lives in memory: a cursor only saves rereading, and after a crash the
 * consumers skip what they had handled by their own place in the log, so a write per batch (a
 * commit of its own on the log's file) bought nothing.
 */
const CURSOR_SAVE_MS = 1000;

/** Rows looked at, and deleted, per step of a prune: the log is read on the event loop, so a prune yields between steps. */
const PRUNE_STEP = 2000;


/**
 * The embedded bus: a durable, append-only event log in a SQLite file, with
 * one cursor per consumer group. Like Kafka, events stay after delivery and
 * consumers pull, so a restart resumes where each group left off. Each
 * group's events come one batch at a time in log order, with their place in
 * the log: the consumer keeps its own place beside its effects, and the
 * cursor here only saves it rereading (a lost cursor redelivers, skipped).
 */
export class EmbeddedBus implements Bus {
  private readonly file: SQLite.Database;
  /** FULL: a publish resolves once the log is on disk; cursors need no flush, a lost one only redelivers. */
  private readonly wal: WalFile;
  private readonly wake = new EventEmitter();
  /** The other threads of this process with the same log (a service thread): told of every publish, and telling. */
  private readonly neighbours: BroadcastChannel;
  private readonly subscriptions: Subscription[] = [];
  /** Each group's place while it is delivered to here: ahead of bus_cursor by up to CURSOR_SAVE_MS. */
  private readonly cursors = new Map<string, number>();
  private readonly loops: Promise<void>[] = [];
  /** The newest rows of the log, read once for every group here; made at each start. */
  private tail: LogTail | undefined;
  private stopping = false;
  /** This log's own name: consumers keep their place per log, so a log made anew is read from its start. */
  private readonly logId: string;
  private pruneTimer: NodeJS.Timeout | undefined;
  private neighboursToTell = false;
  private closed = false;
  /** Prepared once: preparing a statement per call cost more than running it. */
  private readonly statements: {
    publish: (rows: [id: string, type: string, key: string, tenant: string, envelope: string][]) => void;
    saveCursor: SQLite.Statement;
    cursor: SQLite.Statement;
    head: SQLite.Statement;
    after: SQLite.Statement;
  };

  constructor(
    dataDir: string,
    private readonly logger: Logger,
    private readonly opts: { batchSize?: number; idleMs?: number; synchronous?: 'FULL' | 'NORMAL'; retention?: LogRetention } = {},
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.wal = openWalFile(join(dataDir, 'bus.db'), opts.synchronous);
    this.file = this.wal.file;
    this.file.exec(`
      create table if not exists bus_log (
        seq integer primary key autoincrement,
        id text not null unique,
        type text not null,
        key text not null,
        tenant text not null,
        envelope text not null
      );
      create table if not exists bus_cursor (grp text primary key, seq integer not null);
      create table if not exists bus_meta (log_id text not null);
    `);
    this.file.prepare('insert into bus_meta (log_id) select ? where not exists (select 1 from bus_meta)').run(randomUUID());
    this.logId = (this.file.prepare('select log_id from bus_meta').get() as { log_id: string }).log_id;
    this.wake.setMaxListeners(0);
    this.neighbours = new BroadcastChannel(`omnishop-bus:${resolve(dataDir)}`);
    this.neighbours.onmessage = () => this.published();
    this.neighbours.unref();
    const insert = this.file.prepare('insert into bus_log (id, type, key, tenant, envelope) values (?, ?, ?, ?, ?) on conflict (id) do nothing');
    this.statements = {
      publish: this.file.transaction((rows: [string, string, string, string, string][]) => {
        for (const row of rows) insert.run(...row);
      }),
      saveCursor: this.file.prepare('insert into bus_cursor (grp, seq) values (?, ?) on conflict (grp) do update set seq = excluded.seq'),
      cursor: this.file.prepare('select seq from bus_cursor where grp = ?'),
      head: this.file.prepare('select coalesce(max(seq), 0) as seq from bus_log'),
      after: this.file.prepare('select seq, type, envelope from bus_log where seq > ? order by seq limit ?'),
    };
  }

  async publish(envelopes: EventEnvelope[]): Promise<void> {
    // Serialised before the transaction: the log's write lock, which the service thread's bus waits for, is held for the inserts alone.
    this.statements.publish(envelopes.map((e) => [e.id, e.type, e.key, e.tenant, JSON.stringify(e)]));
    this.published();
    this.tellNeighbours();
    await this.wal.durable();
  }

  /** The log has grown (here, or in another thread): the tail reads it again, and idle groups wake. */
  private published(): void {
    this.tail?.grown();
    this.wake.emit('published');
  }

  /**
   * Tells the other threads once per turn of the event loop, however many outboxes published in it:
   * a message per publish was 1 % of a loaded order thread, and each woke every group over there.
   */
  private tellNeighbours(): void {
    if (this.neighboursToTell) return;
    this.neighboursToTell = true;
    setImmediate(() => {
      this.neighboursToTell = false;
      if (!this.closed) this.neighbours.postMessage(null);
    });
  }

  subscribe(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  async start(): Promise<void> {
    this.stopping = false;
    const after = this.statements.after;
    this.tail = new LogTail((seq, limit) => after.all(seq, limit) as TailRow[], (this.statements.head.get() as { seq: number }).seq);
    for (const sub of this.subscriptions) this.loops.push(this.deliver(sub));
    const retention = this.opts.retention;
    if (retention) {
      const prune = () => this.pruneLog(new Date(Date.now() - retention.seconds * 1000)).catch((error: unknown) => this.logger.warn({ err: error }, 'bus log not pruned; trying again later'));
      this.pruneTimer = setInterval(() => void prune(), retention.everyMs);
      this.pruneTimer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.stopping = true;
    this.wake.emit('published');
    await Promise.all(this.loops.splice(0));
    this.cursors.clear(); // each saved as its loop ended: from now on the file says where each group is
  }

  async ping(): Promise<void> {
    this.file.prepare('select 1').get();
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
    this.neighbours.close();
    await this.wal.close();
  }

  /** Lag of each consumer group: events of its types published that it has not handled yet. */
  async lag(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const sub of this.subscriptions) {
      const pending = this.file
        .prepare(`select count(*) as n from bus_log where seq > ? and type in (${sub.types.map(() => '?').join(', ')})`)
        .get(this.cursor(sub.group), ...sub.types) as { n: number };
      out[sub.group] = pending.n;
    }
    return out;
  }

  async oldestUnacknowledged(group: string): Promise<Date | undefined> {
    const sub = this.subscriptions.find((s) => s.group === group);
    if (!sub) return undefined; // nothing is delivered to a group not subscribed here
    // A group's cursor moves past the events of its own types only; envelope times follow publish order
    // only roughly (producers relay at their own pace): the earliest of its types still ahead.
    const row = this.file
      .prepare(`select min(json_extract(envelope, '$.time')) as time from bus_log where seq > ? and type in (${sub.types.map(() => '?').join(', ')})`)
      .get(this.cursor(group), ...sub.types) as { time: string | null };
    return row.time === null ? undefined : new Date(row.time);
  }

  async replay(types: string[], from: Date, handle: (batch: EventEnvelope[]) => Promise<void>): Promise<number> {
    const batchSize = this.opts.batchSize ?? 200;
    const next = this.file.prepare(
      `select seq, envelope from bus_log where seq > ? and type in (${types.map(() => '?').join(', ')}) and json_extract(envelope, '$.time') >= ? order by seq limit ?`,
    );
    let after = 0;
    let replayed = 0;
    for (;;) {
      const rows = next.all(after, ...types, from.toISOString(), batchSize) as { seq: number; envelope: string }[];
      if (!rows.length) return replayed;
      await handle(rows.map((row) => JSON.parse(row.envelope) as EventEnvelope));
      replayed += rows.length;
      after = rows.at(-1)!.seq;
    }
  }

  /**
   * Drops the oldest events, published before `before`, that no consumer group
   * may be delivered any more: each group subscribed to the event's type has
   * its cursor past it, and so has every other group with a cursor here (one
   * not running now keeps what it may want, to be safe). Returns how many. It
   * drops a prefix of the log and stops at the first event to keep, so it reads
   * little more than it deletes.
   */
  async pruneLog(before: Date): Promise<number> {
    const subscribed = new Set(this.subscriptions.map((s) => s.group));
    const idle = (this.file.prepare('select grp, seq from bus_cursor').all() as { grp: string; seq: number }[]).filter((c) => !subscribed.has(c.grp));
    const idleBelow = Math.min(...idle.map((c) => c.seq));
    const groups = this.subscriptions.map((s) => ({ types: new Set(s.types), cursor: this.cursor(s.group) }));
    const deliverable = (row: { seq: number; type: string }) => row.seq > idleBelow || groups.some((g) => g.types.has(row.type) && row.seq > g.cursor);
    const oldest = this.file.prepare("select seq, type, json_extract(envelope, '$.time') as time from bus_log where seq > ? order by seq limit ?");
    const drop = this.file.prepare('delete from bus_log where seq <= ?');
    const cutoff = before.toISOString();
    let dropped = 0;
    let after = 0;
    for (;;) {
      const rows = oldest.all(after, PRUNE_STEP) as { seq: number; type: string; time: string }[];
      const firstKept = rows.findIndex((r) => r.time >= cutoff || deliverable(r));
      const last = firstKept === -1 ? rows.at(-1) : rows[firstKept - 1];
      if (last) dropped += drop.run(last.seq).changes;
      if (!last || firstKept !== -1 || rows.length < PRUNE_STEP) return dropped;
      after = last.seq;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Where a group is: in memory while it is delivered to here, else as saved in the file. */
  private cursor(group: string): number {
    return this.cursors.get(group) ?? this.savedCursor(group);
  }

  private savedCursor(group: string): number {
    return (this.statements.cursor.get(group) as { seq: number } | undefined)?.seq ?? 0;
  }

  private saveCursor(group: string): void {
    this.statements.saveCursor.run(group, this.cursor(group));
  }

  private async deliver(sub: Subscription): Promise<void> {
    const batchSize = this.opts.batchSize ?? 200;
    const types = new Set(sub.types);
    // For a group behind the tail: its own read of the log, up to where the tail starts.
    const before = this.file.prepare(
      `select seq, type, envelope from bus_log where seq > ? and seq <= ? and type in (${sub.types.map(() => '?').join(', ')}) order by seq limit ?`,
    );
    const tail = this.tail!;
    const nextBatch = (after: number) => {
      const served = tail.next(sub.group, after, types, batchSize);
      if (served) return served;
      const upTo = tail.start;
      const rows = before.all(after, upTo, ...sub.types, batchSize) as TailRow[];
      return rows.length ? { rows, scannedTo: rows.at(-1)!.seq } : tail.next(sub.group, upTo, types, batchSize)!;
    };
    // How far the log was read and found nothing for this group. Kept in memory: a group that handles
    // rare events (AccessRevoked) would otherwise read the whole tail of the log again at every publish.
    let scannedTo = 0;
    this.cursors.set(sub.group, this.savedCursor(sub.group));
    let saved = { seq: this.cursor(sub.group), at: Date.now() };
    const save = (whenDue = true) => {
      if (this.cursor(sub.group) === saved.seq || (whenDue && Date.now() - saved.at < CURSOR_SAVE_MS)) return;
      this.saveCursor(sub.group);
      saved = { seq: this.cursor(sub.group), at: Date.now() };
    };
    while (!this.stopping) {
      try {
        const batch = nextBatch(Math.max(this.cursor(sub.group), scannedTo));
        scannedTo = batch.scannedTo;
        if (batch.rows.length === 0) {
          save();
          await this.idle();
          continue;
        }
        await sub.handle(
          batch.rows.map((row) => JSON.parse(row.envelope) as EventEnvelope),
          { log: this.logId, seqs: batch.rows.map((row) => row.seq) },
        );
        this.cursors.set(sub.group, batch.rows.at(-1)!.seq);
        save();
      } catch (error) {
        // The handler asked for redelivery (its database is down), or the log could not be read:
        // keep order, and try the same batch again shortly. Never let the loop die.
        this.logger.warn({ err: error, group: sub.group }, 'delivery failed; will retry');
        await this.idle();
      }
    }
    try {
      save(false);
    } catch (error) {
      this.logger.warn({ err: error, group: sub.group }, 'cursor not saved at stop; the next start rereads, and the consumer skips, what it had handled');
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.off('published', done);
        resolve();
      };
      // Once in a while, read the log even unasked: another process may have written to it.
      const timer = setTimeout(() => {
        this.tail?.grown();
        done();
      }, this.opts.idleMs ?? 1000);
      this.wake.on('published', done);
    });
  }
}
