import type { AuditTables } from '../audit/index.js';
import type { RevocationTables } from '../auth/revocation.js';
import type { EventTables } from '../events/tables.js';
import type { IdempotencyTables } from '../idempotency/index.js';

/**
 * The tables the kit keeps in every service's database, beside the service's own (the runtime migrates them):
 * a service's database type extends it, so the kit reads and writes them typed, as the service does its own.
 */
export interface KitTables extends EventTables, IdempotencyTables, AuditTables, RevocationTables {}
