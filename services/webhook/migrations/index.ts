import { withSequence, type Migrations } from '@omnishop/kit';

export const migrations: Migrations = {
  '0001-webhook': async (db, dialect) => {
    await db.schema
      .createTable('subscription')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('secret_rotated_at', 'text')
      .addPrimaryKeyConstraint('subscription_pk', ['tenant', 'id'])
      .execute();
    await withSequence(db.schema.createTable('delivery'), 'seq', dialect)
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('subscription_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('leased_until', 'text')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('event_time', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .addUniqueConstraint('delivery_once', ['subscription_id', 'event_id'])
      .execute();
    // The deliveries still owed, found by when they are due and, per key, in order.
    await db.schema.createIndex('delivery_due').on('delivery').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('delivery_lane').on('delivery').columns(['subscription_id', 'key', 'status', 'seq']).execute();
    await db.schema.createIndex('delivery_by_subscription').on('delivery').columns(['tenant', 'subscription_id', 'seq']).execute();
    await withSequence(db.schema.createTable('delivery_attempt'), 'seq', dialect)
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('subscription_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('attempt_by_subscription').on('delivery_attempt').columns(['tenant', 'subscription_id', 'seq']).execute();
  },
};
