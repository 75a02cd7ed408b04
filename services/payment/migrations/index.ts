import { sql, type Migrations } from '@omnishop/kit';

export const migrations: Migrations = {
  '0001-payment': async (db) => {
    // The checks are the last guard: never more refunded than captured, even for a buggy writer.
    await db.schema
      .createTable('payment_intent')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('refunded', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('provider_ref', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addCheckConstraint('payment_intent_refund_within_amount', sql`amount > 0 and refunded >= 0 and refunded <= amount`)
      .execute();
    await db.schema.createIndex('payment_intent_by_order').on('payment_intent').columns(['tenant', 'order_id']).execute();
    // One live payment per order: an order cannot be paid twice by two intents.
    // Failed and cancelled intents leave room for another attempt.
    await db.schema
      .createIndex('payment_intent_live_per_order')
      .on('payment_intent')
      .columns(['tenant', 'order_id'])
      .unique()
      .where(sql.ref('status'), 'in', ['created', 'captured', 'refunded'])
      .execute();
    await db.schema
      .createTable('callback_seen')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('notification_id', 'text', (c) => c.notNull())
      .addColumn('intent_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('callback_seen_pk', ['tenant', 'notification_id'])
      .execute();
    await db.schema
      .createTable('refund')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('intent_id', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refund_by_intent').on('refund').columns(['tenant', 'intent_id']).execute();
  },
  '0002-saga': async (db) => {
    // The renotify job looks for wallet intents the provider was asked about too long ago.
    await db.schema.alterTable('payment_intent').addColumn('notify_asked_at', 'text').execute();
    await sql`update payment_intent set notify_asked_at = created_at where method = 'wallet'`.execute(db);
    await db.schema.createIndex('payment_intent_awaiting_notification').on('payment_intent').columns(['status', 'notify_asked_at']).execute();
    // A refund the saga owes (for a return, for a cancelled order) is made once: keyed, so a second is refused.
    await db.schema.alterTable('refund').addColumn('refund_key', 'text').execute();
    await db.schema.createIndex('refund_once_per_key').on('refund').columns(['tenant', 'refund_key']).unique().execute();
  },
  '0003-refund-by': async (db) => {
    // Who gave a refund back: the staff member, or who took the goods back for a return; null for the saga's own (a cancelled order, a late capture).
    await db.schema.alterTable('refund').addColumn('refunded_by', 'text').execute();
  },
};
