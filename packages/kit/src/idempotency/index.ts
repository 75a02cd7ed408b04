import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { statement, type Migrations } from '../db/index.js';
import { Problem } from '../errors/index.js';

/**
 * Idempotency keys for creating POSTs. The key is claimed inside the
 * request's own transaction: the first request inserts it and stores its
 * response before commit; a repeat (even a concurrent one, which waits on the
 * unique key) finds the stored response and returns it. A failed request
 * rolls the claim back, so the client may simply retry. A repeat gets the
 * first response whole: status, body and headers (a Location among them).
 */
export interface IdempotencyTables {
  idempotency_key: {
    tenant: string;
    key: string;
    request_hash: string;
    status: number | null;
    response: string | null;
    /** The first response's headers (Location, ...), as JSON; null for a response stored before they were kept. */
    headers: string | null;
    created_at: string;
  };
}

export const idempotencyMigrations: Migrations = {
  '0000-kit-idempotency': async (db) => {
    await db.schema
      .createTable('idempotency_key')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('response', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_key_pk', ['tenant', 'key'])
      .execute();
  },
  '0000-kit-idempotency-headers': async (db) => {
    await db.schema.alterTable('idempotency_key').addColumn('headers', 'text').execute();
  },
};

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export interface StoredResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function requestHash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

const claim = statement<IdempotencyTables, { key: string; hash: string; at: string }>()((db, p) =>
  db
    .insertInto('idempotency_key')
    .values({ tenant: p.tenant, key: p.key, request_hash: p.hash, status: null, response: null, headers: null, created_at: p.at })
    .onConflict((oc) => oc.columns(['tenant', 'key']).doNothing()),
);
const earlierClaim = statement<IdempotencyTables, { key: string }>()((db, p) =>
  db.selectFrom('idempotency_key').select(['request_hash', 'status', 'response', 'headers']).where('key', '=', p.key),
);
const store = statement<IdempotencyTables, { key: string; status: number; response: string; headers: string | null }>()((db, p) =>
  db.updateTable('idempotency_key').set({ status: p.status, response: p.response, headers: p.headers }).where('key', '=', p.key),
);

/** Returns the stored response of an earlier request with this key, or undefined when this request is the first. The brand is the context's. */
export async function claimKey<DB extends IdempotencyTables>(db: Kysely<DB>, request: { key: string; hash: string }): Promise<StoredResponse | undefined> {
  if ((await claim.run(db, { key: request.key, hash: request.hash, at: new Date().toISOString() })) > 0) return undefined;
  const earlier = await earlierClaim.first(db, { key: request.key });
  if (!earlier) throw new Error(`idempotency key ${request.key} neither inserted nor found`);
  if (earlier.request_hash !== request.hash) {
    throw new Problem(422, 'idempotency-key-reused', 'Idempotency-Key reused', {
      detail: 'this Idempotency-Key was used for a different request',
      errors: [{ field: 'header.idempotency-key', message: 'was already used for a different request' }],
    });
  }
  return {
    status: earlier.status ?? 200,
    body: earlier.response === null ? null : JSON.parse(earlier.response),
    ...(earlier.headers === null ? {} : { headers: JSON.parse(earlier.headers) as Record<string, string> }),
  };
}

export async function storeResponse<DB extends IdempotencyTables>(db: Kysely<DB>, request: { key: string }, response: StoredResponse): Promise<void> {
  await store.run(db, { key: request.key, status: response.status, response: JSON.stringify(response.body), headers: response.headers ? JSON.stringify(response.headers) : null });
}
