import { sql, withSequence, type AnyDb, type MigrationStep } from '@omnishop/kit';

/**
 * Refunds take back points, one ledger entry per refund: an order is no
 * longer reversed at most once, so the ledger's (tenant, order, reason) key
 * gives way to "an order earns once". Each refund is kept, keyed by its id,
 * with the refunded total it brought its order to.
 */
export const refundsMigration: MigrationStep = async (db, dialect) => {
  if (dialect === 'postgres') {
    await db.schema.alterTable('points_entry').dropConstraint('points_once_per_order').execute();
    await earnOnce(db);
  } else {
    // SQLite cannot drop a table constraint: the ledger moves to a table without it, all or nothing.
    await db.transaction().execute(async (trx) => {
      await withSequence(trx.schema.createTable('points_entry_next'), 'seq', dialect)
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('member_id', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text')
        .addColumn('delta', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      const columns = ['seq', 'tenant', 'member_id', 'order_id', 'delta', 'reason', 'note', 'at'];
      await trx.insertInto('points_entry_next').columns(columns).expression(trx.selectFrom('points_entry').select(columns)).execute();
      await trx.schema.dropTable('points_entry').execute();
      await trx.schema.alterTable('points_entry_next').renameTo('points_entry').execute();
      await trx.schema.createIndex('points_entry_by_member').on('points_entry').columns(['tenant', 'member_id', 'seq']).execute();
      await earnOnce(trx);
    });
  }
  await db.schema
    .createTable('order_refund')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('refund_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('refunded_total', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_refund_pk', ['tenant', 'refund_id'])
    .execute();
  await db.schema.createIndex('order_refund_by_order').on('order_refund').columns(['tenant', 'order_id']).execute();
};

/** Backs up the consumer's processed-event check: a completion redelivered as a new event, or raced, earns once. */
const earnOnce = (db: AnyDb) =>
  db.schema.createIndex('points_earned_once').on('points_entry').columns(['tenant', 'order_id']).unique().where(sql.ref('reason'), '=', 'earned').execute();
