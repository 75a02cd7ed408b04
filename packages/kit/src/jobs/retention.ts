import { sql, type Kysely } from 'kysely';
import { tablesOf, type Dialect, type Migrations } from '../db/index.js';
import type { Bus } from '../events/bus.js';
import type { JobDefinition } from './index.js';
import type { KitTables } from '../service/tables.js';

/** How long the kit's bookkeeping rows are kept, and how often the old ones are pruned. */
export interface RetentionPolicy {
  seconds: number;
  everyMs: number;
}

/** Rows deleted per table per run: a run is one transaction among requests, so it stays short; the next run takes the next rows. */
const PRUNE_BATCH = 5000;

/** How far apart the clocks of a producer (an event's time) and a consumer (when it processed it) may be. */
export const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Before when a consumer group's processed-event records may be forgotten
 * without breaking exactly-once effects. A record exists so that a second
 * delivery of its event changes nothing; it may go once that event cannot be
 * delivered again. The bus redelivers only what the group has not acknowledged
 * (the embedded log's cursor, JetStream's ack floor), and names the earliest
 * publish time among those (`oldestUnacknowledged`). Any event still to come
 * again was published at or after it, so processed no earlier than that time
 * less the clock skew: records older than that are of acknowledged events and
 * may go, once older than the retention too. One assumption remains, stated
 * where the setting is documented: the retention outlasts the longest a process
 * is down with events in its outbox (a relay that crashed after publishing
 * republishes them on restart; the embedded log drops a duplicate only while it
 * still holds the event, JetStream within its two-minute window).
 */
export function forgettableBefore(retentionCutoff: Date, oldestUnacknowledged: Date | undefined): Date {
  if (!oldestUnacknowledged) return retentionCutoff;
  const horizon = new Date(oldestUnacknowledged.getTime() - CLOCK_SKEW_MS);
  return horizon < retentionCutoff ? horizon : retentionCutoff;
}

/** Time-ordered scans without an index on the hot tables: SQLite's rowid follows insertion; PostgreSQL gets BRIN indexes, which cost an insert next to nothing. */
export const retentionMigrations: Migrations = {
  '0001-kit-retention': async (db, dialect) => {
    if (dialect !== 'postgres') return;
    await db.schema.createIndex('processed_event_by_age').on('processed_event').using('brin').column('processed_at').execute();
    await db.schema.createIndex('idempotency_key_by_age').on('idempotency_key').using('brin').column('created_at').execute();
  },
};

/**
 * Deletes up to PRUNE_BATCH rows of `table` whose `column` (an ISO instant set
 * when the row is inserted) is before `before`. On SQLite it walks rowids from
 * the oldest and stops at the first recent row, so it reads about what it deletes.
 */
async function pruneOldest(db: Kysely<KitTables>, dialect: Dialect, table: string, column: string, before: Date): Promise<void> {
  const t = sql.id(table);
  const c = sql.id(column);
  const at = before.toISOString();
  const oldest =
    dialect === 'sqlite'
      ? sql`delete from ${t} where rowid in (select rowid from ${t} where ${c} < ${at}
              and rowid < coalesce((select rowid from ${t} where ${c} >= ${at} order by rowid limit 1), 9223372036854775807)
              order by rowid limit ${PRUNE_BATCH})`
      : sql`delete from ${t} where ctid = any(array(select ctid from ${t} where ${c} < ${at} limit ${PRUNE_BATCH}))`;
  await oldest.execute(db);
}

/**
 * The kit's bookkeeping, pruned in every service: Idempotency-Key records
 * (a retry later than the retention is a new request), revocations whose
 * tokens have all expired (no token outlives the retention: sign-in's live
 * minutes, the CLI refuses longer), and processed-event records that no
 * redelivery can need any more (see forgettableBefore).
 */
export function retentionJob<DB extends KitTables>(group: string, dialect: Dialect, policy: RetentionPolicy, bus: Pick<Bus, 'oldestUnacknowledged'>): JobDefinition<DB> {
  return {
    name: 'prune-kit-tables',
    everyMs: policy.everyMs,
    acrossTenants: "the kit's bookkeeping of every brand ages on the same clock",
    async run(tx) {
      const db = tablesOf<KitTables>()(tx.db);
      const cutoff = new Date(Date.now() - policy.seconds * 1000);
      await pruneOldest(db, dialect, 'idempotency_key', 'created_at', cutoff);
      await db.deleteFrom('access_revocation').where('revoked_before', '<', cutoff.toISOString()).execute();
      await pruneOldest(db, dialect, 'processed_event', 'processed_at', forgettableBefore(cutoff, await bus.oldestUnacknowledged(group)));
    },
  };
}
