import { Type } from '@sinclair/typebox';
import { AccessRevoked, unauthorized, type Role, type RouteResult, type TokenAuthority, type Tx } from '@omnishop/kit';
import type { GatewayTables, UserRow } from '../db.js';
import { newRefreshToken, refreshTokenHash } from '../domain/refresh.js';

export interface GatewayOptions {
  /** Mints access tokens; in embedded mode the same authority every service verifies with. */
  auth: TokenAuthority;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds the access token is valid' }),
  refreshToken: Type.String({ description: 'opaque; use once at POST /api/auth/refresh for a new pair' }),
  refreshExpiresIn: Type.Integer(),
}, { title: 'TokenPair', description: 'A short-lived access token (a JWT for `Authorization: Bearer`) and a refresh token' });

/** A new access token and a new refresh token of `family` (a new family at sign-in). */
export async function issuePair(tx: Tx<GatewayTables>, opts: GatewayOptions, user: UserRow, family: string) {
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
  return { accessToken, tokenType: 'Bearer' as const, expiresIn: opts.accessTtlSeconds, refreshToken, refreshExpiresIn: opts.refreshTtlSeconds };
}

/**
 * From now on the user's refresh tokens are void and their access tokens
 * refused: here at once, and in every service when AccessRevoked reaches it.
 */
export async function revokeAccess(
  tx: Tx<GatewayTables>,
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

/**
 * A 401 returned rather than thrown: the unit of work still commits, so what
 * the refusal records (audit, failed attempts) is kept.
 */
export function refusal(detail: string): RouteResult {
  return { status: 401, body: unauthorized(detail) };
}
