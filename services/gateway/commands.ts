import { randomUUID } from 'node:crypto';
import { acrossTenants, AccessRevoked, actForTenant, audit, err, newId, nowIso, ok, ROLES, type Principal, type Result, type Role, type TokenAuthority, type Tx } from '@omnishop/kit';
import type { GatewayTables, UserRow } from './db.js';
import { afterFailure, afterSuccess, isLocked } from './domain/lockout.js';
import { decoyHash, verifyPassword } from './domain/password.js';
import { judgeRefresh, newRefreshToken, refreshTokenHash } from './domain/refresh.js';
import type { TokenPair } from './views.js';

/**
 * The write side of sign-in: sessions issued, spent and revoked, users added, changed and disabled, each audited in
 * the same unit. A refused sign-in or refresh is a value, not a throw, so what it records (audit, failed attempts)
 * commits with the refusal.
 */

type T = GatewayTables;

export interface GatewayOptions {
  /** Mints access tokens; in embedded mode the same authority every service verifies with. */
  auth: TokenAuthority;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

/** A new access token and a new refresh token of `family` (a new family at sign-in). */
async function issuePair(tx: Tx<T>, opts: GatewayOptions, user: UserRow, family: string): Promise<TokenPair> {
  const refreshToken = newRefreshToken();
  const now = Date.now();
  await tx.db
    .insertInto('refresh_token')
    .values({
      token_hash: refreshTokenHash(refreshToken),
      family,
      tenant: user.tenant,
      user_id: user.id,
      expires_at: new Date(now + opts.refreshTtlSeconds * 1000).toISOString(),
      used_at: null,
      revoked_at: null,
      created_at: new Date(now).toISOString(),
    })
    .execute();
  const principal = { subject: user.id, tenant: user.tenant, role: user.role as Role, ...(user.store ? { store: user.store } : {}) };
  const accessToken = await opts.auth.mint(principal, opts.accessTtlSeconds);
  return { accessToken, tokenType: 'Bearer', expiresIn: opts.accessTtlSeconds, refreshToken, refreshExpiresIn: opts.refreshTtlSeconds };
}

/**
 * From now on the user's refresh tokens are void and their access tokens
 * refused: here at once, and in every service when AccessRevoked reaches it.
 */
async function revokeAccess(
  tx: Tx<T>,
  auth: TokenAuthority,
  user: { tenant: string; id: string },
  reason: 'signed-out' | 'disabled' | 'role-changed' | 'refresh-reused',
): Promise<void> {
  const before = new Date();
  await tx.db
    .updateTable('refresh_token')
    .set({ revoked_at: before.toISOString() })
    .where('tenant', '=', user.tenant)
    .where('user_id', '=', user.id)
    .where('revoked_at', 'is', null)
    .execute();
  tx.emit(AccessRevoked, user.id, { subject: user.id, before: before.toISOString(), reason }, { tenant: user.tenant });
  auth.revoke({ tenant: user.tenant, subject: user.id, before });
}

type Credentials = { tenant: string; username: string; password: string };

/** A password checked against the hash a user had when it was read: what sign-in decides on. */
export interface PasswordCheck {
  /** The hash checked against; undefined: no such user. */
  hash: string | undefined;
  matches: boolean;
}

const findUser = (tx: Tx<T>, credentials: Credentials) =>
  tx.db.selectFrom('app_user').selectAll().where('tenant', '=', credentials.tenant).where('username', '=', credentials.username).executeTakeFirst();

/**
 * The slow half of sign-in, outside any unit of work (a route's prepare): the password checked with
 * scrypt against the user's hash. An unknown user costs a hash check too, so timing does not tell who exists.
 */
export async function checkPassword(read: Tx<T>, credentials: Credentials): Promise<PasswordCheck> {
  // Whoever it turns out to be, sign-in works within the brand named.
  actForTenant(credentials.tenant);
  const hash = (await findUser(read, credentials))?.password_hash;
  return { hash, matches: await verifyPassword(credentials.password, hash ?? (await decoyHash())) };
}

/**
 * Signs a user in whose password was checked (checkPassword): a new session, or a refusal (unknown user, wrong
 * password, disabled, locked: one for all). A password changed since it was checked is a wrong one.
 */
export async function startSession(tx: Tx<T>, opts: GatewayOptions, credentials: Credentials, checked: PasswordCheck): Promise<Result<TokenPair, 'refused'>> {
  const now = new Date();
  actForTenant(credentials.tenant);
  const user = await findUser(tx, credentials);
  const matches = checked.matches && user !== undefined && user.password_hash === checked.hash;
  const state = { failedAttempts: user?.failed_attempts ?? 0, lockedUntil: user?.locked_until ?? null };
  const actor = user ? { subject: user.id, role: user.role, tenant: user.tenant } : undefined;
  if (!user || !matches || user.status !== 'active' || isLocked(state, now)) {
    if (user && !matches) {
      const next = afterFailure(state, now);
      await tx.db.updateTable('app_user').set({ failed_attempts: next.failedAttempts, locked_until: next.lockedUntil }).where('id', '=', user.id).execute();
    }
    await audit(tx.db, { action: 'auth.sign-in', target: credentials.username, outcome: 'refused', tenant: credentials.tenant, actor });
    return err('refused');
  }
  if (state.failedAttempts > 0) {
    const reset = afterSuccess();
    await tx.db.updateTable('app_user').set({ failed_attempts: reset.failedAttempts, locked_until: reset.lockedUntil }).where('id', '=', user.id).execute();
  }
  await audit(tx.db, { action: 'auth.sign-in', target: credentials.username, actor });
  return ok(await issuePair(tx, opts, user, randomUUID()));
}

/** Spends a refresh token for a new pair of its family; spending one twice revokes all the user's tokens. Refused: why. */
export async function refreshSession(tx: Tx<T>, opts: GatewayOptions, refreshToken: string): Promise<Result<TokenPair, string>> {
  const now = new Date();
  const hash = refreshTokenHash(refreshToken);
  // The token is the only key: found in whichever brand holds it, which the rest of the exchange then works in.
  const stored = await acrossTenants('a refresh token names no brand; its unguessable hash finds the one it belongs to', () =>
    tx.db.selectFrom('refresh_token').selectAll().where('token_hash', '=', hash).executeTakeFirst(),
  );
  if (stored) actForTenant(stored.tenant);
  const verdict = judgeRefresh(stored && { usedAt: stored.used_at, revokedAt: stored.revoked_at, expiresAt: stored.expires_at }, now);
  if (!stored || verdict === 'unknown') return err('refresh token unknown');
  const user = await tx.db.selectFrom('app_user').selectAll().where('tenant', '=', stored.tenant).where('id', '=', stored.user_id).executeTakeFirst();
  const actor = user && { subject: user.id, role: user.role, tenant: user.tenant };
  // Conditional on it being unspent: of two concurrent uses, one wins and the other is a reuse.
  const spent =
    verdict === 'valid' &&
    Number((await tx.db.updateTable('refresh_token').set({ used_at: now.toISOString() }).where('token_hash', '=', hash).where('used_at', 'is', null).executeTakeFirst()).numUpdatedRows) === 1;
  if (verdict === 'reused' || (verdict === 'valid' && !spent)) {
    await revokeAccess(tx, opts.auth, { tenant: stored.tenant, id: stored.user_id }, 'refresh-reused');
    await audit(tx.db, { action: 'auth.refresh-reused', target: stored.family, outcome: 'refused', tenant: stored.tenant, actor });
    return err('refresh token already used; every token of this user is revoked, sign in again');
  }
  if (!spent || !user || user.status !== 'active' || !ROLES.includes(user.role)) return err(`refresh token ${verdict === 'valid' ? 'no longer valid' : verdict}`);
  return ok(await issuePair(tx, opts, user, stored.family));
}

/** Signs the caller out everywhere. */
export async function endSessions(tx: Tx<T>, auth: TokenAuthority, principal: Principal): Promise<void> {
  await revokeAccess(tx, auth, { tenant: principal.tenant, id: principal.subject }, 'signed-out');
  await audit(tx.db, { action: 'auth.sign-out', target: principal.subject });
}

/** Adds a user to the brand with their password's hash (hashPassword, made before the unit of work); undefined when the username is taken there. */
export async function addUser(tx: Tx<T>, tenant: string, user: { username: string; passwordHash: string; role: Role; store?: string }): Promise<UserRow | undefined> {
  const taken = await tx.db.selectFrom('app_user').select('id').where('tenant', '=', tenant).where('username', '=', user.username).executeTakeFirst();
  if (taken) return undefined;
  const now = nowIso();
  const row = {
    id: newId(),
    tenant,
    username: user.username,
    password_hash: user.passwordHash,
    role: user.role,
    store: user.store ?? null,
    status: 'active' as const,
    failed_attempts: 0,
    locked_until: null,
    created_at: now,
    updated_at: now,
  };
  await tx.db.insertInto('app_user').values(row).execute();
  await audit(tx.db, { action: 'user.create', target: `${row.id} (${row.username}, ${user.role})` });
  return row;
}

/** Gives a user another role (and store); tokens carry the role, so every token issued with the old one goes, and the user signs in again. */
export async function setRole(tx: Tx<T>, auth: TokenAuthority, user: UserRow, role: Role, store: string | undefined): Promise<UserRow> {
  const updated = { ...user, role, store: store ?? null, updated_at: nowIso() };
  await tx.db.updateTable('app_user').set({ role, store: updated.store, updated_at: updated.updated_at }).where('id', '=', user.id).execute();
  await revokeAccess(tx, auth, user, 'role-changed');
  await audit(tx.db, { action: 'user.role-change', target: `${user.id}: ${user.role} -> ${role}` });
  return updated;
}

/** Disables a user: no sign-in, and every token they hold refused from now on. */
export async function disable(tx: Tx<T>, auth: TokenAuthority, user: UserRow): Promise<UserRow> {
  const updated = { ...user, status: 'disabled' as const, updated_at: nowIso() };
  await tx.db.updateTable('app_user').set({ status: 'disabled', updated_at: updated.updated_at }).where('id', '=', user.id).execute();
  await revokeAccess(tx, auth, user, 'disabled');
  await audit(tx.db, { action: 'user.disable', target: user.id });
  return updated;
}
