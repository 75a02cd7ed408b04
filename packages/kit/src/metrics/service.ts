import { acrossTenants } from '../context/index.js';
import { tablesOf, type ServiceDatabase } from '../db/index.js';
import type { EventTables } from '../events/tables.js';
import type { UnitOfWork } from '../transaction/index.js';
import type { ServiceGauges } from './index.js';

/** What /metrics reads of one service when scraped: two counts in its own database, and its queue or pool. */
export function serviceGauges<DB extends EventTables>(service: string, sdb: ServiceDatabase<DB>, uow: Pick<UnitOfWork<DB>, 'queued'>): ServiceGauges {
  const db = tablesOf<EventTables>()(sdb.db);
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
