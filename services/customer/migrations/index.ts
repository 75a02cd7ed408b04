import { withSequence, type Migrations } from '@omnishop/kit';
import { refundsMigration } from './0002-refunds.js';

export const migrations: Migrations = {
  '0001-customer': async (db, dialect) => {
    await db.schema
      .createTable('member')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('joined_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('member_pk', ['tenant', 'id'])
      .execute();
    // Append-only: the balance is the sum of a member's entries. The unique key makes an
    // order earn once and reverse once, even if two writers race (adjustments have no order).
    // 0002 keeps "earn once"; an order is then reversed once per refund.
    await withSequence(db.schema.createTable('points_entry'), 'seq', dialect)
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text')
      .addColumn('delta', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addUniqueConstraint('points_once_per_order', ['tenant', 'order_id', 'reason'])
      .execute();
    await db.schema.createIndex('points_entry_by_member').on('points_entry').columns(['tenant', 'member_id', 'seq']).execute();
    // A copy of each order's customer and total: OrderCompleted carries only the id. Filled from
    // OrderPlaced until 0002; since then from OrderConfirmed, whose total is what was paid.
    await db.schema
      .createTable('order_total')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('order_total_pk', ['tenant', 'order_id'])
      .execute();
  },
  '0002-refunds': refundsMigration,
};
