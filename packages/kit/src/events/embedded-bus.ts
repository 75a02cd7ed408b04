import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type SQLite from 'better-sqlite3';
import type { Logger } from 'pino';
import { openWalFile, type WalFile } from '../db/index.js';
import type { Bus, Subscription } from './bus.js';
import type { EventEnvelope } from './envelope.js';

interface LogRow {
  seq: number;
  envelope: string;
}

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
  private readonly subscriptions: Subscription[] = [];
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  /** This log's own name: consumers keep their place per log, so a log made anew is read from its start. */
  private readonly logId: string;
  /** Prepared once: preparing a statement per call cost more than running it. */
  private readonly statements: { publish: (envelopes: EventEnvelope[]) => void; saveCursor: SQLite.Statement; cursor: SQLite.Statement; head: SQLite.Statement };

  constructor(
    dataDir: string,
    private readonly logger: Logger,
    private readonly opts: { batchSize?: number; idleMs?: number; synchronous?: 'FULL' | 'NORMAL' } = {},
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
    const insert = this.file.prepare('insert into bus_log (id, type, key, tenant, envelope) values (?, ?, ?, ?, ?) on conflict (id) do nothing');
    this.statements = {
      publish: this.file.transaction((envelopes: EventEnvelope[]) => {
        for (const e of envelopes) insert.run(e.id, e.type, e.key, e.tenant, JSON.stringify(e));
      }),
      saveCursor: this.file.prepare('insert into bus_cursor (grp, seq) values (?, ?) on conflict (grp) do update set seq = excluded.seq'),
      cursor: this.file.prepare('select seq from bus_cursor where grp = ?'),
      head: this.file.prepare('select coalesce(max(seq), 0) as seq from bus_log'),
    };
  }

  async publish(envelopes: EventEnvelope[]): Promise<void> {
    this.statements.publish(envelopes);
    this.wake.emit('published');
    await this.wal.durable();
  }

  subscribe(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  async start(): Promise<void> {
    this.stopping = false;
    for (const sub of this.subscriptions) this.loops.push(this.deliver(sub));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.emit('published');
    await Promise.all(this.loops.splice(0));
  }

  async ping(): Promise<void> {
    this.file.prepare('select 1').get();
  }

  async close(): Promise<void> {
    await this.stop();
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

  private cursor(group: string): number {
    const row = this.statements.cursor.get(group) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  private saveCursor(group: string, seq: number): void {
    this.statements.saveCursor.run(group, seq);
  }

  private async deliver(sub: Subscription): Promise<void> {
    const batchSize = this.opts.batchSize ?? 200;
    const next = this.file.prepare(
      `select seq, envelope from bus_log where seq > ? and seq <= ? and type in (${sub.types.map(() => '?').join(', ')}) order by seq limit ?`,
    );
    // How far the log was read and found nothing for this group. Kept in memory: a group that handles
    // rare events (AccessRevoked) would otherwise read the whole tail of the log again at every publish.
    let scannedTo = 0;
    while (!this.stopping) {
      try {
        const from = Math.max(this.cursor(sub.group), scannedTo);
        const head = (this.statements.head.get() as { seq: number }).seq;
        const rows = next.all(from, head, ...sub.types, batchSize) as LogRow[];
        if (rows.length === 0) {
          scannedTo = head;
          await this.idle();
          continue;
        }
        await sub.handle(
          rows.map((row) => JSON.parse(row.envelope) as EventEnvelope),
          { log: this.logId, seqs: rows.map((row) => row.seq) },
        );
        this.saveCursor(sub.group, rows[rows.length - 1]!.seq);
      } catch (error) {
        // The handler asked for redelivery (its database is down), or the log could not be read:
        // keep order, and try the same batch again shortly. Never let the loop die.
        this.logger.warn({ err: error, group: sub.group }, 'delivery failed; will retry');
        await this.idle();
      }
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.off('published', done);
        resolve();
      };
      const timer = setTimeout(done, this.opts.idleMs ?? 1000);
      this.wake.on('published', done);
    });
  }
}
