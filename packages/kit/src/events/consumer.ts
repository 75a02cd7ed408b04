import type { Static, TSchema } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.js';
import { acrossTenants, runWithContext, withDeadline, type RequestContext } from '../context/index.js';
import { savepoint, statement, tablesOf } from '../db/index.js';
import { behaviourLog } from '../log/index.js';
import { annotate, SpanKind, startSpan } from '../trace/index.js';
import { lastWrites, type Tx, type UnitOfWork } from '../transaction/index.js';
import type { LogPositions, Subscription } from './bus.js';
import type { EventDefinition, EventEnvelope } from './envelope.js';
import type { EventTables } from './tables.js';

/** Reacts to one event type, inside one transaction with the service's database. */
export interface EventHandler<DB> {
  event: EventDefinition;
  handle(event: EventEnvelope, tx: Tx<DB>): Promise<void>;
  /**
   * Whether the handler has anything to do for this event, decided without I/O (webhooks: has its
   * brand a subscription?). An event it does not want is passed over before any unit of work: no
   * database, behaviour record or span. Every event is wanted when absent.
   */
  wants?(event: EventEnvelope): boolean;
}

export function onEvent<DB, S extends TSchema>(
  event: EventDefinition<S>,
  handle: (event: EventEnvelope<Static<S>>, tx: Tx<DB>) => Promise<void>,
): EventHandler<DB> {
  return { event, handle: handle as EventHandler<DB>['handle'] };
}

/** `const on = handlerFor<MyTables>()`, then `on(SomeEvent, async (event, tx) => ...)` types both. */
export function handlerFor<DB>() {
  return <S extends TSchema>(event: EventDefinition<S>, handle: (event: EventEnvelope<Static<S>>, tx: Tx<DB>) => Promise<void>) =>
    onEvent<DB, S>(event, handle);
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const defaultRetry: RetryPolicy = { attempts: 5, baseMs: 100, maxMs: 5000 };

export interface DeadLetter {
  id: string;
  consumer: string;
  eventId: string;
  type: string;
  tenant: string;
  error: string;
  attempts: number;
  failedAt: string;
  envelope: EventEnvelope;
}

const kitTables = tablesOf<EventTables>();

const markProcessed = statement<EventTables, { consumer: string; eventId: string; at: string }>()((db, p) =>
  db
    .insertInto('processed_event')
    .values({ consumer: p.consumer, event_id: p.eventId, tenant: p.tenant, processed_at: p.at })
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing()),
);
const positionOf = statement<EventTables, { consumer: string; log: string }>()((db, p) =>
  db.selectFrom('consumer_position').select('seq').where('consumer', '=', p.consumer).where('log', '=', p.log),
);
const savePosition = statement<EventTables, { consumer: string; log: string; seq: number }>()((db, p) =>
  db
    .insertInto('consumer_position')
    .values({ consumer: p.consumer, log: p.log, seq: p.seq })
    .onConflict((oc) => oc.columns(['consumer', 'log']).doUpdateSet({ seq: p.seq })),
);
const eventSavepoint = savepoint('consume_event');

/** One event's place in the log it came from. */
interface Place {
  log: string;
  seq: number;
}

/** An event of an unguarded unit failed: the unit is undone and run again with a savepoint per event. */
class GuardedRetry extends Error {
  constructor(readonly failure: unknown) {
    super('an event of the batch failed; handling it again event by event');
  }
}

/** How long one unit of a batch may hold the service's database before it commits and lets requests in. */
const BATCH_BUDGET_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A service's consumer group. Effects are exactly once: what was handled is
 * recorded in the same transaction as the handler's effect, so a redelivered
 * event is recognised and skipped. From a bus that gives log positions (the
 * embedded bus) that record is the group's place in the log, one row written
 * once per unit; otherwise (JetStream, whose replicas share a group, and
 * replays) it is the event id, a row per event. A failing handler is retried with
 * exponential backoff, then parked in the dead-letter table to be replayed.
 * Events are handled one at a time in bus order, which keeps per-key order.
 */
export class Consumer<DB extends EventTables> implements Subscription {
  readonly group: string;
  readonly types: string[];
  private readonly handlers = new Map<string, EventHandler<DB>>();
  /** Whether any handler passes over events (EventHandler.wants): only then is a batch looked through first. */
  private readonly choosy: boolean;
  /** The place committed in each log: read once, then kept as each unit commits (this group's only writer). */
  private readonly places = new Map<string, number>();

  constructor(
    private readonly service: string,
    handlers: EventHandler<DB>[],
    private readonly uow: UnitOfWork<DB>,
    private readonly logger: Logger,
    /** `group`: another group than the service's own, for a replay (see read-model.ts). */
    private readonly opts: { retry?: RetryPolicy; timeoutMs?: number; metrics?: Metrics; group?: string } = {},
  ) {
    this.group = opts.group ?? service;
    for (const h of handlers) {
      if (this.handlers.has(h.event.type)) throw new Error(`${service} handles ${h.event.type} twice`);
      this.handlers.set(h.event.type, h);
    }
    this.types = [...this.handlers.keys()];
    this.choosy = handlers.some((h) => h.wants !== undefined);
  }

  private get kitDb(): Kysely<EventTables> {
    return kitTables(this.uow.readOnly().db);
  }

  /** Span, context and behaviour record of handling one event. */
  private consumption(envelope: EventEnvelope) {
    const span = startSpan(`consume ${envelope.type}`, envelope.headers, SpanKind.CONSUMER);
    annotate(span.span, {
      'omnishop.service': this.service,
      'omnishop.tenant': envelope.tenant,
      'omnishop.event.type': envelope.type,
      'omnishop.event.key': envelope.key,
      'omnishop.event.id': envelope.id,
      'omnishop.event.source': envelope.source,
    });
    const started = performance.now();
    const ctx: RequestContext = withDeadline(
      { service: this.service, requestId: envelope.id, tenant: envelope.tenant, traceparent: span.traceparent, traceId: span.traceId },
      this.opts.timeoutMs ?? 30_000,
    );
    const record = (status: string, error?: unknown) => {
      this.opts.metrics?.event(this.group, envelope.type, status, (performance.now() - started) / 1000);
      behaviourLog(this.logger, {
        service: this.service,
        kind: 'event',
        action: envelope.type,
        tenant: envelope.tenant,
        status,
        latencyMs: Math.round(performance.now() - started),
        requestId: envelope.id,
        traceId: span.traceId,
        error: error === undefined ? undefined : String(error),
      });
    };
    return { span, ctx, record };
  }

  /**
   * Handles a batch in bus order as units of work (one commit each). A unit
   * first runs its events straight in its transaction; if one fails, the unit
   * is rolled back whole and run again with each event inside its own
   * savepoint: then, at the first event that fails, what came before is
   * committed and that event takes the slow path alone (retries with
   * backoff, then the dead-letter table) before the rest continue. Order is
   * kept, the disk is flushed once per unit instead of once per event, and an
   * event costs no savepoint round trips unless its batch has a failure.
   * A unit holds its database for at most BATCH_BUDGET_MS, then commits what
   * it did and queues again behind the requests that arrived meanwhile.
   */
  async handle(batch: EventEnvelope[], at?: LogPositions): Promise<void> {
    if (!this.choosy) return this.handleWanted(batch, at);
    const wanted = batch.map((envelope) => this.handlers.get(envelope.type)?.wants?.(envelope) ?? true);
    if (!wanted.includes(false)) return this.handleWanted(batch, at);
    if (!wanted.includes(true)) return;
    return this.handleWanted(
      batch.filter((_, i) => wanted[i]),
      at && { log: at.log, seqs: at.seqs.filter((_, i) => wanted[i]) },
    );
  }

  private async handleWanted(batch: EventEnvelope[], at?: LogPositions): Promise<void> {
    const from = at ? await this.placeIn(at.log) : 0;
    const placeOf = (i: number): Place | undefined => (at ? { log: at.log, seq: at.seqs[i]! } : undefined);
    let next = 0;
    // Already handled, by the place in the log: a redelivery after a crash.
    while (at && next < batch.length && at.seqs[next]! <= from) next++;
    let guarded = false;
    while (next < batch.length) {
      const rest = batch.slice(next);
      const done: { c: ReturnType<Consumer<DB>['consumption']>; fresh: boolean }[] = [];
      /** Handled by the unit and recorded as processed only at its end, all in one statement (events without a place). */
      const toRecord: EventEnvelope[] = [];
      let stoppedAt = -1;
      let reached = rest.length;
      /** The place of the unit's last event: the one before where it stopped. */
      const lastHandled = () => {
        const count = stoppedAt >= 0 ? stoppedAt : reached;
        return count > 0 ? placeOf(next + count - 1) : undefined;
      };
      try {
        await this.uow.run(
          async (unitTx) => {
            // Writes left for the end of the unit are made before it records its events, so a failing one is an event's failure (see GuardedRetry).
            const unitLast = lastWrites();
            const tx: Tx<DB> = guarded ? unitTx : { ...unitTx, beforeCommit: unitLast.add };
            const started = performance.now();
            events: for (const [i, envelope] of rest.entries()) {
              if (i > 0 && performance.now() - started > BATCH_BUDGET_MS) {
                reached = i;
                break;
              }
              const handler = this.handlers.get(envelope.type);
              if (!handler) continue;
              if (this.invalidReason(handler, envelope)) {
                stoppedAt = i;
                break;
              }
              const c = this.consumption(envelope);
              done.push({ c, fresh: false });
              const place = placeOf(next + i);
              if (!guarded) {
                try {
                  done.at(-1)!.fresh = await runWithContext(c.ctx, () => (place ? this.apply(handler, envelope, tx, place) : handler.handle(envelope, tx).then(() => true)));
                } catch (error) {
                  throw new GuardedRetry(error);
                }
                if (!place) toRecord.push(envelope);
                continue;
              }
              if (!(await this.applyInSavepoint(handler, envelope, tx, c.ctx, place, done.at(-1)!))) {
                done.pop();
                c.span.end();
                stoppedAt = i;
                break events;
              }
            }
            try {
              await unitLast.run();
            } catch (error) {
              throw new GuardedRetry(error);
            }
            if (toRecord.length && (await this.recordProcessed(tx, toRecord)) < toRecord.length) {
              // One was handled before (a redelivery): undo the unit and sort it out event by event.
              throw new GuardedRetry(new Error('an event of the batch was handled before'));
            }
            // The unit's place, after its last event, commits with their effects.
            const last = lastHandled();
            if (last) await this.moveTo(tx, last);
          },
          { background: true },
        );
      } catch (error) {
        for (const { c } of done) c.span.end();
        if (!(error instanceof GuardedRetry)) throw error;
        // Nothing of the unit happened: run it again, event by event in savepoints, to find the one that fails.
        guarded = true;
        continue;
      }
      const last = lastHandled();
      if (last) this.places.set(last.log, last.seq);
      for (const { c, fresh } of done) {
        c.record(fresh ? 'ok' : 'duplicate');
        c.span.end();
      }
      guarded = false;
      if (stoppedAt < 0) {
        next += reached;
        continue;
      }
      await this.handleOne(rest[stoppedAt]!, placeOf(next + stoppedAt));
      next += stoppedAt + 1;
    }
  }

  /** The place this group has committed in `log` (0: nothing of it yet). */
  private async placeIn(log: string): Promise<number> {
    let seq = this.places.get(log);
    if (seq === undefined) {
      const row = await positionOf.first(this.kitDb, { consumer: this.group, log });
      seq = row?.seq ?? 0;
      this.places.set(log, seq);
    }
    return seq;
  }

  /** Records the place in the unit of work; the in-memory place follows once it committed. */
  private async moveTo(tx: Tx<DB>, place: Place): Promise<void> {
    await savePosition.run(tx.db, { consumer: this.group, ...place });
  }

  /** One event of a guarded unit inside its own savepoint; false (and no trace of it) when it failed. */
  private async applyInSavepoint(
    handler: EventHandler<DB>,
    envelope: EventEnvelope,
    tx: Tx<DB>,
    ctx: RequestContext,
    place: Place | undefined,
    outcome: { fresh: boolean },
  ): Promise<boolean> {
    const emitted: Parameters<Tx<DB>['emit']>[] = [];
    const effects: (() => void)[] = [];
    const last = lastWrites();
    // Held back until the handler succeeds: a handler rolled back to its savepoint emits nothing, and causes no effect.
    const eventTx: Tx<DB> = {
      db: tx.db,
      emit: (...args) => void emitted.push(args),
      emitAll: (events) => void emitted.push(...events),
      afterCommit: (effect) => void effects.push(effect),
      beforeCommit: last.add,
    };
    try {
      outcome.fresh = await eventSavepoint.run(tx.db, () =>
        runWithContext(ctx, async () => {
          const applied = await this.apply(handler, envelope, eventTx, place);
          await last.run();
          tx.emitAll(emitted);
          for (const effect of effects) tx.afterCommit(effect);
          return applied;
        }),
      );
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One event on its own: retried with backoff, then dead-lettered. Says
   * whether it was handled. With its place in the log, the place moves past
   * it in the same commit as its effect or its dead letter, so a redelivery
   * never handles a dead-lettered event behind the back of its replay.
   */
  async handleOne(envelope: EventEnvelope, place?: Place): Promise<boolean> {
    const handler = this.handlers.get(envelope.type);
    if (!handler) return true;
    const { span, ctx, record } = this.consumption(envelope);
    return runWithContext(ctx, async () => {
      const invalid = this.invalidReason(handler, envelope);
      if (invalid) {
        await this.deadLetter(envelope, invalid, 0, place);
        record('dead-letter', invalid);
        span.end(invalid);
        return false;
      }
      const retry = this.opts.retry ?? defaultRetry;
      for (let attempt = 1; ; attempt++) {
        try {
          const fresh = await this.inUnit(place, (tx) => this.apply(handler, envelope, tx, place));
          record(fresh ? 'ok' : 'duplicate');
          span.end();
          return true;
        } catch (error) {
          if (attempt >= retry.attempts) {
            await this.deadLetter(envelope, String(error), attempt, place);
            record('dead-letter', error);
            span.end(error);
            return false;
          }
          record('retry', error);
          await sleep(Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1)));
        }
      }
    });
  }

  /** `work` in a unit of its own that, given a place, also moves this group's place there. */
  private async inUnit<T>(place: Place | undefined, work: (tx: Tx<DB>) => Promise<T>): Promise<T> {
    const value = await this.uow.run(async (tx) => {
      const result = await work(tx);
      if (place) await this.moveTo(tx, place);
      return result;
    }, { background: true });
    if (place) this.places.set(place.log, place.seq);
    return value;
  }

  private invalidReason(handler: EventHandler<DB>, envelope: EventEnvelope): string | undefined {
    if (envelope.version !== handler.event.version) {
      return `${envelope.type} v${envelope.version} is not handled (expects v${handler.event.version})`;
    }
    if (!handler.event.check.Check(envelope.data)) {
      const first = [...handler.event.check.Errors(envelope.data)][0];
      return `${envelope.type} data invalid at ${first?.path || '/'}: ${first?.message}`;
    }
    return undefined;
  }

  /**
   * The effect, exactly once: false when this consumer had already handled
   * the event. An event with a place is past this group's place (the batch
   * skipped the rest), so only an event without one needs its id recorded.
   */
  private async apply(handler: EventHandler<DB>, envelope: EventEnvelope, tx: Tx<DB>, place: Place | undefined): Promise<boolean> {
    if (place) {
      await handler.handle(envelope, tx);
      return true;
    }
    const fresh = await markProcessed.run(tx.db, { consumer: this.group, eventId: envelope.id, tenant: envelope.tenant, at: new Date().toISOString() });
    if (fresh === 0) return false;
    await handler.handle(envelope, tx);
    return true;
  }

  /**
   * Records the events of an unguarded unit as processed, in one statement instead of one each before
   * its handler (a round trip per event on PostgreSQL): how many were new. Redeliveries are rare, so the
   * unit runs on the hope that none is, and a unit that finds one is undone and run again guarded.
   */
  private async recordProcessed(tx: Tx<DB>, events: EventEnvelope[]): Promise<number> {
    const at = new Date().toISOString();
    const rows = events.map((e) => ({ consumer: this.group, event_id: e.id, tenant: e.tenant, processed_at: at }));
    const result = await acrossTenants('a batch carries events of several brands', () =>
      kitTables(tx.db).insertInto('processed_event').values(rows).onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing()).executeTakeFirst(),
    );
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  private async deadLetter(envelope: EventEnvelope, error: string, attempts: number, place: Place | undefined): Promise<void> {
    await this.inUnit(place, (tx) => this.parked(kitTables(tx.db), envelope, error, attempts));
  }

  private async parked(db: Kysely<EventTables>, envelope: EventEnvelope, error: string, attempts: number): Promise<void> {
    await db
      .insertInto('dead_letter')
      .values({
        id: `${this.group}:${envelope.id}`,
        consumer: this.group,
        event_id: envelope.id,
        type: envelope.type,
        tenant: envelope.tenant,
        envelope: JSON.stringify(envelope),
        error,
        attempts,
        failed_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ error, attempts, failed_at: new Date().toISOString() }))
      .execute();
  }

  async deadLetters(filter: { limit: number; after?: string }): Promise<DeadLetter[]> {
    let q = this.kitDb.selectFrom('dead_letter').selectAll().orderBy('id').limit(filter.limit);
    if (filter.after) q = q.where('id', '>', filter.after);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      consumer: r.consumer,
      eventId: r.event_id,
      type: r.type,
      tenant: r.tenant,
      error: r.error,
      attempts: r.attempts,
      failedAt: r.failed_at,
      envelope: JSON.parse(r.envelope) as EventEnvelope,
    }));
  }

  /** Handles a dead-lettered event again: undefined when there is no such dead letter, else whether it was handled now. */
  async replay(id: string): Promise<boolean | undefined> {
    const row = await this.kitDb.selectFrom('dead_letter').select('envelope').where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    // The dead letter goes only once its event was handled: a replay that fails, or a crash
    // meanwhile, leaves it to be replayed again (a handled event is then a duplicate, skipped).
    const handled = await this.handleOne(JSON.parse(row.envelope) as EventEnvelope);
    if (handled) await this.kitDb.deleteFrom('dead_letter').where('id', '=', id).execute();
    return handled;
  }
}
