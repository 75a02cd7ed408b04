import type { Generated } from 'kysely';
import { withSequence, type Migrations } from '../db/index.js';

/** Tables the kit keeps in every service's database, beside the service's own. */
export interface EventTables {
  outbox: { seq: Generated<number>; id: string; type: string; key: string; tenant: string; envelope: string; created_at: string };
  processed_event: { consumer: string; event_id: string; tenant: string; processed_at: string };
  /** How far into a bus log (embedded bus) a consumer has handled. */
  consumer_position: { consumer: string; log: string; seq: number };
  dead_letter: {
    id: string;
    consumer: string;
    event_id: string;
    type: string;
    tenant: string;
    envelope: string;
    error: string;
    attempts: number;
    failed_at: string;
  };
}

export const eventMigrations: Migrations = {
  '0000-kit-events': async (db, dialect) => {
    await withSequence(db.schema.createTable('outbox'), 'seq', dialect)
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('envelope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('processed_event')
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('processed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('processed_event_pk', ['consumer', 'event_id'])
      .execute();
    await db.schema
      .createTable('dead_letter')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('envelope', 'text', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('failed_at', 'text', (c) => c.notNull())
      .execute();
  },
  '0000-kit-events-position': async (db) => {
    await db.schema
      .createTable('consumer_position')
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('log', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('consumer_position_pk', ['consumer', 'log'])
      .execute();
  },
};
