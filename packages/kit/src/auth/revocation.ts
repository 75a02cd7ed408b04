import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { tablesOf, type Migrations } from '../db/index.js';
import { choice } from '../schema/index.js';
import { defineEvent } from '../events/envelope.js';
import { onEvent, type EventHandler } from '../events/consumer.js';
import type { TokenAuthority } from './index.js';

/**
 * Emitted by the gateway; every service runtime handles it (see ServiceRuntime),
 * so a revocation holds wherever a token is verified, not only at the gateway.
 */
export const AccessRevoked = defineEvent(
  'AccessRevoked',
  1,
  "A user's access tokens issued before `before` are refused from now on, by every service: they signed out, were disabled, changed role, or a refresh token of theirs was used twice (stolen).",
  Type.Object({
    subject: Type.String({ description: 'the user id the tokens were issued to (their sub)' }),
    before: Type.String({ description: 'ISO 8601 instant: tokens issued before it are refused' }),
    reason: choice(['signed-out', 'disabled', 'role-changed', 'refresh-reused']),
  }),
);

/** Kept in every service's database, so a restarted process (or a replica that did not get the event) still refuses. */
export interface RevocationTables {
  access_revocation: { tenant: string; subject: string; revoked_before: string };
}

const revocations = tablesOf<RevocationTables>();

export const revocationMigrations: Migrations = {
  '0000-kit-revocation': async (db) => {
    await db.schema
      .createTable('access_revocation')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('revoked_before', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('access_revocation_pk', ['tenant', 'subject'])
      .execute();
  },
};

/** Records an AccessRevoked in the service's database and applies it to the authority at once. */
export function revocationHandler<DB extends RevocationTables>(auth: TokenAuthority): EventHandler<DB> {
  return onEvent<DB, typeof AccessRevoked.schema>(AccessRevoked, async (event, tx) => {
    const db = revocations(tx.db);
    const row = { tenant: event.tenant, subject: event.data.subject, revoked_before: event.data.before };
    // ISO instants of one format order as text: the later revocation wins.
    await db
      .insertInto('access_revocation')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant', 'subject']).doUpdateSet({ revoked_before: row.revoked_before }).where('access_revocation.revoked_before', '<', row.revoked_before))
      .execute();
    auth.revoke({ tenant: row.tenant, subject: row.subject, before: new Date(row.revoked_before) });
  });
}

/** Applies every recorded revocation to the authority: at start, and now and then for what replicas recorded. */
export async function loadRevocations<DB extends RevocationTables>(db: Kysely<DB>, auth: TokenAuthority): Promise<void> {
  const rows = await revocations(db).selectFrom('access_revocation').selectAll().execute();
  for (const r of rows) auth.revoke({ tenant: r.tenant, subject: r.subject, before: new Date(r.revoked_before) });
}
