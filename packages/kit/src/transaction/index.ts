import { AsyncLocalStorage } from 'node:async_hooks';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { acrossTenants, currentContext, outsideContext, runWithContext } from '../context/index.js';
import { Problem } from '../errors/index.js';
import { lastInTransaction, savepoint, statement, TenantScopeError, type ServiceDatabase } from '../db/index.js';
import { createEnvelope, type EventDefinition, type EventEnvelope } from '../events/envelope.js';
import type { EventTables } from '../events/tables.js';
import type { Relay } from '../events/relay.js';
import { annotate, childSpan, type ActiveSpan } from '../trace/index.js';

/**
 * What a handler, consumer or job gets: the service's database inside one
 * transaction, and `emit`, which writes the event to the outbox in that same
 * transaction. The state change and its events commit together or not at all.
 */
export interface Tx<DB> {
  db: Kysely<DB>;
  emit<S extends TSchema>(def: EventDefinition<S>, key: string, data: Static<S>, opts?: { tenant?: string }): void;
  /** Emits several at once, or none if any is invalid. */
  emitAll(events: Parameters<Tx<DB>['emit']>[]): void;
  /**
   * Runs `effect` once the unit is durable, and never if it rolls back: for an effect outside the
   * database (asking a payment provider to charge), which must not happen for work that is undone,
   * nor race ahead of the commit it depends on. The effect handles its own failures.
   */
  afterCommit(effect: () => void): void;
  /**
   * Runs `write` when the work is done, just before its events are written and it commits (for one
   * event of a consumer batch handled alone, at the end of that event): for a write best made last,
   * such as an update of a row every unit updates, whose lock is then held only until the commit.
   * If it throws, the work fails as if its own code had.
   */
  beforeCommit(write: () => Promise<void>): void;
}

/** What a unit leaves to do once it is durable. */
interface Pending {
  events: EventEnvelope[];
  effects: (() => void)[];
}

const pendingWork = (): Pending => ({ events: [], effects: [] });

/** Writes left for the end of some work (Tx.beforeCommit), and the function that makes them, in the order asked. */
export function lastWrites(): { add(write: () => Promise<void>): void; run(): Promise<void> } {
  const writes: (() => Promise<void>)[] = [];
  return {
    add(write) {
      // Made in the context it was asked in (its brand, its deadline), whatever runs the end of the work.
      const ctx = currentContext();
      writes.push(ctx ? () => runWithContext(ctx, write) : write);
    },
    async run() {
      for (const write of writes.splice(0)) await write();
    },
  };
}

/** Runs each after-commit effect, none stopping the others. */
function runEffects(effects: (() => void)[]): void {
  for (const effect of effects) {
    try {
      effect();
    } catch {
      // An effect reports its own failures; the work it followed is done and durable.
    }
  }
}

export interface UnitOfWork<DB> {
  /**
   * Runs `work` atomically; it is durable when this resolves, and leaves no trace when it throws.
   * Background work (consumer batches, jobs) gives way to requests: see unitOfWork.
   */
  run<T>(work: (tx: Tx<DB>) => Promise<T>, opts?: { background?: boolean }): Promise<T>;
  /** A read-only view for GET handlers: no transaction, and emitting is a bug. */
  readOnly(): Tx<DB>;
  /** SQLite: units waiting for their group commit now, by kind (for metrics). */
  queued?(): { request: number; background: number };
}

type Work<DB> = (tx: Tx<DB>) => Promise<unknown>;

const insertOutbox = statement<EventTables, { id: string; type: string; key: string; envelope: string; at: string }>()((db, p) =>
  db.insertInto('outbox').values({ id: p.id, type: p.type, key: p.key, tenant: p.tenant, envelope: p.envelope, created_at: p.at }),
);
/** Each unit of a group in a savepoint of its own: one name serves, since they run one after another. */
const unitSavepoint = savepoint('unit');


interface Queued<DB> {
  work: Work<DB>;
  background: boolean;
  span: ActiveSpan | undefined;
  queuedAt: number;
  ctx: ReturnType<typeof currentContext>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Marks code running inside a unit of work. A unit that starts another would
 * wait for the commit of the group it is itself part of, forever; it is refused.
 */
const insideUnit = new AsyncLocalStorage<string>();

/** How many units of work may share one commit. */
const MAX_GROUP = 256;
/**
 * How long one group may run before it commits with the units it ran so far, the rest waiting for
 * the next group: SQLite runs on the event loop, so a group is a turn of the loop that nothing else
 * (a health check, a request being read, a disk flush being heard) gets into.
 */
const GROUP_BUDGET_MS = 10;

/**
 * One atomic unit of work per request, consumed event batch or job run.
 *
 * On SQLite writes are serial anyway, so units of work that arrive while a
 * group is being written are grouped: they run one after another in one
 * transaction, each inside its own savepoint (a unit that fails rolls back to
 * its savepoint alone), and share a single commit. The commit does not wait
 * for the disk; the group's outcomes are settled once `durable()` says the
 * disk has it, while the next group is already being written. Nobody hears
 * "done" before that, so accepted still means durable. Requests go first:
 * a group takes every waiting request but at most one background unit, so a
 * backlog of events never leaves a request waiting behind it. A group's
 * requests are bounded by time as well as count (GROUP_BUDGET_MS): those it
 * did not reach go first in the next, after the loop has had a turn; its
 * background unit always runs, so the consumers keep moving under a flood.
 * PostgreSQL already merges the disk flushes of concurrent commits, so there
 * each unit keeps its own transaction and units run in parallel; background
 * units on a pool of their own (ServiceDatabase.background), so they never
 * queue for a connection behind a flood of requests.
 */
export interface UnitOfWorkOptions {
  /**
   * A request still waiting for its group after this long is refused (503, Retry-After) instead
   * of run: past capacity the platform says so early, and what it accepts stays fast. 0: never.
   * Consumer batches and jobs are never refused; they wait.
   */
  queueLimitMs?: number;
}

/** What a request refused for load hears: nothing was done, try again shortly. */
export const overloaded = (service: string) =>
  new Problem(503, 'overloaded', 'Overloaded', { detail: `${service} is taking all it can; nothing was done, retry shortly`, headers: { 'retry-after': '1' } });

export function unitOfWork<DB>(service: string, sdb: ServiceDatabase<DB>, relay: Relay, emits: EventDefinition[], opts: UnitOfWorkOptions = {}): UnitOfWork<DB> {
  const declared = new Set(emits);

  function envelopeOf<S extends TSchema>(def: EventDefinition<S>, key: string, data: Static<S>, opts?: { tenant?: string }): EventEnvelope {
    if (!declared.has(def as EventDefinition)) throw new Error(`${service} emitted ${def.type}, which it does not declare in emits`);
    const ctx = currentContext();
    const tenant = opts?.tenant ?? ctx?.tenant;
    if (!tenant) throw new Error(`${def.type}: no tenant in context; pass opts.tenant`);
    if (ctx?.tenant && tenant !== ctx.tenant) throw new TenantScopeError(`${def.type}: work for one brand emitted an event for another`);
    return createEnvelope(def, { source: service, key, tenant, data, traceparent: ctx?.traceparent });
  }

  function txOn(db: Kysely<DB>, pending: Pending, last: ReturnType<typeof lastWrites>): Tx<DB> {
    return {
      db,
      emit(def, key, data, opts) {
        pending.events.push(envelopeOf(def, key, data, opts));
      },
      emitAll(events) {
        pending.events.push(...events.map((args) => envelopeOf(...args)));
      },
      afterCommit(effect) {
        pending.effects.push(effect);
      },
      beforeCommit: last.add,
    };
  }

  /** `lastOne`: nothing follows in the transaction, so on PostgreSQL its commit goes with the one statement here. */
  async function writeOutbox(db: Kysely<DB>, pending: EventEnvelope[], unit?: ActiveSpan, lastOne = false): Promise<void> {
    if (!pending.length) return;
    const span = childSpan('outbox write', undefined, unit?.traceparent);
    if (span) annotate(span.span, { 'omnishop.service': service, 'omnishop.events': pending.length, 'omnishop.event.types': [...new Set(pending.map((e) => e.type))].join(',') });
    const at = new Date().toISOString();
    // A consumer's batch commits events of several brands at once; each event's brand was checked when it was emitted.
    try {
      await acrossTenants('one commit may carry events of several brands', async () => {
        const rows = pending.map((e) => ({ id: e.id, type: e.type, key: e.key, tenant: e.tenant, envelope: JSON.stringify(e), created_at: at }));
        // PostgreSQL: one statement, not a round trip per event; SQLite: the prepared statement, which has no round trip to save.
        // Every service's database has the kit's tables (the prepared statement assumes as much).
        if (sdb.dialect === 'postgres') {
          const insert = async () => {
            if (rows.length > 1) await (db as unknown as Kysely<EventTables>).insertInto('outbox').values(rows).execute();
            else await insertOutbox.run(db, { ...rows[0]!, at });
          };
          await (lastOne ? lastInTransaction(insert) : insert());
        } else for (const row of rows) await insertOutbox.run(db, { ...row, at });
      });
    } finally {
      span?.end();
    }
  }

  /** A unit's span, from being asked for to being durable (queue, group and disk flush included); none outside a trace. */
  function unitSpan(): ActiveSpan | undefined {
    const span = childSpan(`unit of work ${service}`);
    if (span) annotate(span.span, { 'omnishop.service': service });
    return span;
  }

  function traced<T>(span: ActiveSpan | undefined, done: Promise<T>): Promise<T> {
    if (!span) return done;
    return done.then(
      (value) => (span.end(), value),
      (error: unknown) => {
        span.end(error);
        throw error;
      },
    );
  }

  /** What durable work leaves to do: its effects outside the database, and the relay woken for its events. */
  function afterDurable(pending: Pending): void {
    runEffects(pending.effects);
    if (pending.events.length) relay.nudge();
  }

  async function runAlone<T>(work: (tx: Tx<DB>) => Promise<T>, db: Kysely<DB>, span?: ActiveSpan): Promise<T> {
    const pending = pendingWork();
    const last = lastWrites();
    const result = await db.transaction().execute(async (trx) => {
      const value = await work(txOn(trx, pending, last));
      await last.run();
      await writeOutbox(trx, pending.events, span, true);
      return value;
    });
    await sdb.durable();
    afterDurable(pending);
    return result;
  }

  const requests: Queued<DB>[] = [];
  const background: Queued<DB>[] = [];
  let committing = false;

  function nextGroup(): Queued<DB>[] {
    const limit = opts.queueLimitMs ?? 0;
    const tooOld = performance.now() - limit;
    const group = requests.splice(0, MAX_GROUP).filter((item) => {
      if (limit <= 0 || item.queuedAt >= tooOld) return true;
      item.reject(overloaded(service));
      return false;
    });
    const chore = background.shift();
    if (chore) group.push(chore);
    return group;
  }

  /** Runs one unit inside a savepoint of the group's transaction; its outcome is settled after the commit. */
  async function runInGroup(trx: Kysely<DB>, item: Queued<DB>, pending: Pending) {
    const own = pendingWork();
    const last = lastWrites();
    try {
      const run = () =>
        insideUnit.run(service, () => item.work(txOn(trx, own, last))).then(async (value) => {
          await last.run();
          await writeOutbox(trx, own.events, item.span);
          return value;
        });
      const value = await unitSavepoint.run(trx, () => (item.ctx ? runWithContext(item.ctx, run) : run()));
      pending.events.push(...own.events);
      pending.effects.push(...own.effects);
      return { ok: true as const, value };
    } catch (error) {
      return { ok: false as const, error };
    }
  }

  async function commitGroups(): Promise<void> {
    committing = true;
    try {
      while (requests.length || background.length) {
        // SQLite calls block the event loop, so requests that arrived meanwhile are still unread
        // sockets: let the loop read them once, so they can join this group.
        await new Promise((resolve) => setImmediate(resolve));
        const group = nextGroup();
        if (!group.length) continue; // every request waiting was refused for load
        const pending = pendingWork();
        const ran: Queued<DB>[] = [];
        const outcomes: Awaited<ReturnType<typeof runInGroup>>[] = [];
        /** Requests past the budget: they go first in the next group, still counting from when they were queued. */
        const deferred = new Set<Queued<DB>>();
        try {
          const trx = await sdb.db.startTransaction().execute();
          try {
            const started = performance.now();
            for (const item of group) {
              // The group's one background unit runs whatever the time: a stream of requests never starves the consumers.
              if (!item.background && ran.length && performance.now() - started > GROUP_BUDGET_MS) {
                deferred.add(item);
                continue;
              }
              outcomes.push(await runInGroup(trx, item, pending));
              ran.push(item);
            }
            requests.unshift(...deferred);
            await trx.commit().execute();
          } catch (error) {
            await trx.rollback().execute().catch(() => undefined);
            throw error;
          }
        } catch (error) {
          // The commit itself failed (disk, database gone): nothing in the group happened.
          for (const item of group) if (!deferred.has(item)) item.reject(error);
          continue;
        }
        // Settled once on disk; the next group is written meanwhile.
        void sdb.durable().then(
          () => {
            for (const [n, outcome] of outcomes.entries()) {
              if (outcome.ok) ran[n]!.resolve(outcome.value);
              else ran[n]!.reject(outcome.error);
            }
            afterDurable(pending);
          },
          (error: unknown) => {
            for (const item of ran) item.reject(error);
          },
        );
      }
    } finally {
      committing = false;
    }
  }

  return {
    run<T>(work: (tx: Tx<DB>) => Promise<T>, runOpts?: { background?: boolean }): Promise<T> {
      if (sdb.dialect !== 'sqlite') {
        const span = unitSpan();
        return traced(span, runAlone(work, runOpts?.background ? sdb.background : sdb.db, span));
      }
      const outer = insideUnit.getStore();
      if (outer) return Promise.reject(new Error(`a unit of work of ${outer} started another; use the tx it was given`));
      const span = unitSpan();
      return traced(
        span,
        new Promise<T>((resolve, reject) => {
          const isBackground = runOpts?.background ?? false;
          (isBackground ? background : requests).push({ work, background: isBackground, span, queuedAt: performance.now(), ctx: currentContext(), resolve: resolve as (value: unknown) => void, reject });
          if (!committing) void outsideContext(commitGroups);
        }),
      );
    },
    queued: () => ({ request: requests.length, background: background.length }),
    readOnly() {
      const refuse = () => {
        throw new Error('a read-only handler emitted an event, asked for an effect after commit or left a write for the commit');
      };
      return { db: sdb.db, emit: refuse, emitAll: refuse, afterCommit: refuse, beforeCommit: refuse };
    },
  };
}
