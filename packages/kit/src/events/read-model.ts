import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { acrossTenants } from '../context/index.js';
import type { UnitOfWork } from '../transaction/index.js';
import type { Bus } from './bus.js';
import { Consumer, type EventHandler } from './consumer.js';
import type { EventDefinition } from './envelope.js';
import type { EventTables } from './tables.js';

/**
 * A service's copy of another's data, kept from events alone (the order
 * service's prices from SkuCreated and SkuPriceChanged, a store register from
 * StoreOpened and StoreChanged): its tables and the events that fill them. Its
 * handlers (the service's own, for those events) write only these tables and
 * emit nothing, so it can be dropped and rebuilt by replaying the events.
 */
export interface ReadModel {
  name: string;
  description: string;
  tables: readonly string[];
  events: readonly EventDefinition[];
}

export const defineReadModel = (model: ReadModel): ReadModel => model;

/**
 * Rebuilds a read model: empties its tables, then replays the events of its
 * types the bus still keeps, published from `from` on, through the service's
 * handlers for them, in a consumer group of its own (`<service>.rebuild.<model>`)
 * that starts empty. The service's own group, and every other, are untouched:
 * they neither move nor see the replay. Events that arrive meanwhile are
 * handled by the service's group as ever, and seen by the replay too, which reads
 * up to the bus's head; the handlers apply what an event says, so the latest wins
 * either way. Returns how many events were replayed.
 */
export async function rebuildReadModel<DB extends EventTables>(
  model: ReadModel,
  opts: { service: string; handlers: EventHandler<DB>[]; uow: UnitOfWork<DB>; bus: Bus; logger: Logger; from: Date },
): Promise<number> {
  const types = new Set(model.events.map((e) => e.type));
  const handlers = opts.handlers.filter((h) => types.has(h.event.type));
  const group = `${opts.service}.rebuild.${model.name}`;
  const consumer = new Consumer(opts.service, handlers, opts.uow, opts.logger, { group });
  const forget = (tx: { db: unknown }) => (tx.db as Kysely<EventTables>).deleteFrom('processed_event').where('consumer', '=', group).execute();
  await opts.uow.run((tx) =>
    acrossTenants('a read model is rebuilt for every brand at once', async () => {
      for (const table of model.tables) await (tx.db as unknown as Kysely<Record<string, object>>).deleteFrom(table).execute();
      await forget(tx);
    }),
  );
  const replayed = await opts.bus.replay([...types], opts.from, (batch) => consumer.handle(batch));
  // The replay's group is done with: what it handled need not be remembered.
  await opts.uow.run((tx) => acrossTenants('a rebuild forgets what its own group handled, for every brand', () => forget(tx)));
  return replayed;
}
