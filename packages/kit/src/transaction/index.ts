import type { Static, TSchema } from '@sinclair/typebox';
import type { Kysely, Transaction } from 'kysely';
import { currentContext } from '../context/index.js';
import type { ServiceDatabase } from '../db/index.js';
import { createEnvelope, type EventDefinition, type EventEnvelope } from '../events/envelope.js';
import type { EventTables } from '../events/tables.js';
import type { Relay } from '../events/relay.js';

/**
 * What a handler, consumer or job gets: the service's database inside one
 * transaction, and `emit`, which writes the event to the outbox in that same
 * transaction. The state change and its events commit together or not at all.
 */
export interface Tx<DB> {
  db: Kysely<DB>;
  emit<S extends TSchema>(def: EventDefinition<S>, key: string, data: Static<S>, opts?: { tenant?: string }): void;
}

export interface UnitOfWork<DB> {
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  run<T>(work: (tx: Tx<DB>) => Promise<T>): Promise<T>;
  /** A read-only view for GET handlers: no transaction, and emitting is a bug. */
  readOnly(): Tx<DB>;
}

export function unitOfWork<DB>(service: string, sdb: ServiceDatabase<DB>, relay: Relay, emits: EventDefinition[]): UnitOfWork<DB> {
  const declared = new Set(emits);
  return {
    async run(work) {
      const pending: EventEnvelope[] = [];
      const result = await sdb.db.transaction().execute(async (trx: Transaction<DB>) => {
        const tx: Tx<DB> = {
          db: trx,
          emit(def, key, data, opts) {
            if (!declared.has(def as EventDefinition)) throw new Error(`${service} emitted ${def.type}, which it does not declare in emits`);
            const ctx = currentContext();
            const tenant = opts?.tenant ?? ctx?.tenant;
            if (!tenant) throw new Error(`${def.type}: no tenant in context; pass opts.tenant`);
            pending.push(createEnvelope(def, { source: service, key, tenant, data, traceparent: ctx?.traceparent }));
          },
        };
        const value = await work(tx);
        if (pending.length) {
          const now = new Date().toISOString();
          await (trx as unknown as Kysely<EventTables>)
            .insertInto('outbox')
            .values(pending.map((e) => ({ id: e.id, type: e.type, key: e.key, tenant: e.tenant, envelope: JSON.stringify(e), created_at: now })))
            .execute();
        }
        return value;
      });
      if (pending.length) relay.nudge();
      return result;
    },
    readOnly() {
      return {
        db: sdb.db,
        emit(def) {
          throw new Error(`${def.type} emitted from a read-only handler`);
        },
      };
    },
  };
}
