import { sql, type Kysely } from 'kysely';
import { statement, type Dialect } from '../db/index.js';
import { acrossTenants, outsideContext } from '../context/index.js';
import type { Logger } from 'pino';
import { annotate, SpanKind, startSpan, type ActiveSpan } from '../trace/index.js';
import type { Bus } from './bus.js';
import type { EventEnvelope } from './envelope.js';
import type { EventTables } from './tables.js';

/** How soon a replica that found another draining the outbox looks again. */
const RETRY_LOCKED_MS = 20;

/**
 * Moves committed outbox rows to the bus, oldest first, in batches; deletes
 * them once the bus has them. A crash between the two republishes a batch,
 * which the bus and idempotent consumers absorb.
 * Woken right after a commit that wrote events, and on a timer for anything
 * left over (a restart, a bus that was down).
 */
export class Relay {
  private draining: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly db: Kysely<EventTables>,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly opts: {
      batchSize?: number;
      intervalMs?: number;
      /** Resolves once what was committed so far is on disk: nothing leaves the service before its own database has it. */
      durable?: () => Promise<void>;
      /** Whose outbox this is, for the publish spans and the drain lock. */
      service?: string;
      /**
       * postgres: replicas of a service share its outbox; one drains it at a time (an advisory lock held
       * for a batch), so each event is published once rather than by every replica, and in seq order.
       */
      dialect?: Dialect;
    } = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.nudge(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
    this.nudge();
  }

  nudge(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    // The drain belongs to no request: run it outside the context of whoever nudged, so that
    // request's deadline does not reach the relay's queries.
    this.draining = outsideContext(() => acrossTenants("the relay publishes every brand's events", () => this.drain())).finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.nudge();
      }
    });
  }

  /** Publishes everything committed so far; used at shutdown. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
    this.nudge();
    await this.draining;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.stopped = true;
  }

  /**
   * A span for an event's way from the outbox onto the bus, a child of the work that emitted it; its
   * consumers' spans become its children, as the event now carries this span's traceparent.
   */
  private publishSpan(envelope: EventEnvelope): ActiveSpan {
    const span = startSpan(`publish ${envelope.type}`, envelope.headers, SpanKind.PRODUCER);
    annotate(span.span, {
      'omnishop.service': this.opts.service ?? envelope.source,
      'omnishop.tenant': envelope.tenant,
      'omnishop.event.type': envelope.type,
      'omnishop.event.key': envelope.key,
      'omnishop.event.id': envelope.id,
    });
    envelope.headers = { ...envelope.headers, traceparent: span.traceparent };
    return span;
  }

  private async drain(): Promise<void> {
    const batchSize = this.opts.batchSize ?? 500;
    try {
      for (;;) {
        const moved = this.opts.dialect === 'postgres' ? await this.db.transaction().execute((trx) => this.moveLocked(trx, batchSize)) : await this.move(this.db, batchSize);
        this.failures = 0;
        if (moved < batchSize) return;
      }
    } catch (error) {
      // The rows stay in the outbox; the timer tries again. Log once per outage, not per tick.
      if (this.failures++ === 0) this.logger.error({ err: error }, 'relay could not publish; events wait in the outbox');
    }
  }

  /**
   * One batch under the outbox's drain lock, taken and emptied in one statement: the rows are deleted
   * first and published before the commit, so a failed publish rolls the delete back. A replica that
   * finds the lock taken tries again shortly, as the holder may have read before our commit.
   */
  private async moveLocked(trx: Kysely<EventTables>, batchSize: number): Promise<number> {
    const rows = await takeOldest.all(trx, { lock: `relay/${this.opts.service ?? 'outbox'}`, batchSize });
    if (!rows[0]?.locked) {
      setTimeout(() => this.nudge(), RETRY_LOCKED_MS).unref();
      return 0;
    }
    const taken = rows.filter((r) => r.seq !== null).sort((a, b) => Number(a.seq) - Number(b.seq));
    if (taken.length) await this.publish(taken.map((r) => r.envelope!));
    return taken.length;
  }

  /** Publishes the oldest batch and deletes it from the outbox: how many rows it moved. */
  private async move(db: Kysely<EventTables>, batchSize: number): Promise<number> {
    const rows = await db.selectFrom('outbox').select(['seq', 'envelope']).orderBy('seq').limit(batchSize).execute();
    if (!rows.length) return 0;
    await this.opts.durable?.();
    await this.publish(rows.map((r) => r.envelope));
    // By exact seq, not a range: on PostgreSQL a lower seq can commit after a higher one was read.
    await db.deleteFrom('outbox').where('seq', 'in', rows.map((r) => r.seq)).execute();
    return rows.length;
  }

  private async publish(stored: string[]): Promise<void> {
    const envelopes = stored.map((envelope) => JSON.parse(envelope) as EventEnvelope);
    const spans = envelopes.map((e) => this.publishSpan(e));
    try {
      await this.bus.publish(envelopes);
    } catch (error) {
      for (const span of spans) span.end(error);
      throw error;
    }
    for (const span of spans) span.end();
  }
}

/**
 * PostgreSQL: the drain lock and the oldest batch, deleted, in one round trip. One row per event
 * taken, or one with no event; `locked` says whether this transaction holds the lock.
 */
const takeOldest = statement<EventTables, { lock: string; batchSize: number }>()<{ locked: boolean; seq: string | number | null; envelope: string | null }>((_db, p) => ({
  compile: () =>
    sql<{ locked: boolean; seq: string | number | null; envelope: string | null }>`
      with drain as (select pg_try_advisory_xact_lock(hashtext(${p.lock})) as locked),
      taken as (
        delete from outbox where seq in (select seq from outbox where (select locked from drain) order by seq limit ${p.batchSize})
        returning seq, envelope
      )
      select drain.locked, taken.seq, taken.envelope from drain left join taken on true`.compile(_db),
}));
