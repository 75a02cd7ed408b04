import { Type } from '@sinclair/typebox';
import type { Generated, Kysely } from 'kysely';
import type { Principal } from '../auth/index.js';
import { currentContext } from '../context/index.js';
import { tablesOf, withSequence, type Migrations } from '../db/index.js';
import { decodeCursor, toPage, type Page } from '../db/pagination.js';
import { choice } from '../schema/index.js';

/**
 * Security-relevant actions, kept in each service's own database and written
 * in the transaction of the action itself: the record exists exactly when the
 * action happened. Who, what, when, request id and outcome; never a secret.
 */
export interface AuditTables {
  audit_log: {
    seq: Generated<number>;
    tenant: string;
    actor_subject: string | null;
    actor_role: string | null;
    action: string;
    target: string;
    outcome: AuditOutcome;
    request_id: string | null;
    at: string;
  };
}

/** ok; refused: the caller was turned away (a failed sign-in); failed: tried, and it did not work. */
export type AuditOutcome = 'ok' | 'refused' | 'failed';

export interface AuditEntry {
  /** What was done, e.g. `auth.sign-in`, `payment.refund`. */
  action: string;
  /** What it was done to: an id or name, never a secret. */
  target: string;
  outcome?: AuditOutcome;
  /** Who did it; by default the caller of the request in hand. Public routes name whom they authenticated. */
  actor?: Pick<Principal, 'subject' | 'role' | 'tenant'>;
  /** The brand it happened in; by default the actor's. */
  tenant?: string;
}

const auditLog = tablesOf<AuditTables>();

export const auditMigrations: Migrations = {
  '0000-kit-audit': async (db, dialect) => {
    await withSequence(db.schema.createTable('audit_log'), 'seq', dialect)
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('actor_subject', 'text')
      .addColumn('actor_role', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_by_tenant').on('audit_log').columns(['tenant', 'seq']).execute();
  },
};

/** Records one action in the database (transaction) given: pass the handler's `tx.db`. */
export async function audit<DB extends AuditTables>(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
  const ctx = currentContext();
  const actor = entry.actor ?? ctx?.principal;
  const tenant = entry.tenant ?? actor?.tenant ?? ctx?.tenant;
  if (!tenant) throw new Error(`audit ${entry.action}: no tenant; pass entry.tenant`);
  await auditLog(db)
    .insertInto('audit_log')
    .values({
      tenant,
      actor_subject: actor?.subject ?? null,
      actor_role: actor?.role ?? null,
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome ?? 'ok',
      request_id: ctx?.requestId ?? null,
      at: new Date().toISOString(),
    })
    .execute();
}

export const AuditRecordView = Type.Object({
  tenant: Type.String(),
  actor: Type.Union([Type.Object({ subject: Type.String(), role: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  action: Type.String(),
  target: Type.String(),
  outcome: choice(['ok', 'refused', 'failed']),
  requestId: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
}, { title: 'AuditRecord', description: 'Who did what to which target, when, with what outcome' });

/** A page of the audit log, oldest first; of one tenant unless `tenant` is undefined (an operator's view). */
export async function auditPage<DB extends AuditTables>(db: Kysely<DB>, filter: { tenant?: string; limit: number; cursor?: string }): Promise<Page<unknown>> {
  const after = decodeCursor<number>(filter.cursor, 'number');
  let q = auditLog(db).selectFrom('audit_log').selectAll().orderBy('seq').limit(filter.limit + 1);
  if (filter.tenant !== undefined) q = q.where('tenant', '=', filter.tenant);
  if (after !== undefined) q = q.where('seq', '>', after);
  const page = toPage(await q.execute(), filter.limit, (r) => Number(r.seq));
  return {
    items: page.items.map((r) => ({
      tenant: r.tenant,
      actor: r.actor_subject === null ? null : { subject: r.actor_subject, role: r.actor_role },
      action: r.action,
      target: r.target,
      outcome: r.outcome,
      requestId: r.request_id,
      at: r.at,
    })),
    nextCursor: page.nextCursor,
  };
}
