import type { Kysely } from 'kysely';
import { acrossTenants } from '../context/index.js';
import type { ServiceDatabase } from '../db/index.js';
import type { EventTables } from '../events/tables.js';
import type { UnitOfWork } from '../transaction/index.js';
import type { ServiceGauges } from './index.js';

/** What /metrics reads of one service when scraped: two counts in its own database, and its queue or pool. */
export function serviceGauges(service: string, sdb: ServiceDatabase<unknown>, uow: UnitOfWork<unknown>): ServiceGauges {
  const db = sdb.db as unknown as Kysely<EventTables>;
  const count = (table: 'outbox' | 'dead_letter') =>
    acrossTenants(`the ${table} gauge counts every brand's rows`, async () => {
      const row = await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    });
  return {
    service,
    outboxBacklog: () => count('outbox'),
    deadLetters: () => count('dead_letter'),
    ...(sdb.dialect === 'sqlite' && uow.queued ? { queued: uow.queued } : {}),
    ...(sdb.poolUse ? { pool: sdb.poolUse } : {}),
  };
}
