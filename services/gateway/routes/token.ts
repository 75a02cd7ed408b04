import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { acrossTenants, actForTenant, audit, ROLES } from '@omnishop/kit';
import { route } from '../db.js';
import { afterFailure, afterSuccess, isLocked } from '../domain/lockout.js';
import { decoyHash, verifyPassword } from '../domain/password.js';
import { judgeRefresh, refreshTokenHash } from '../domain/refresh.js';
import { issuePair, refusal, revokeAccess, TokenPair, type GatewayOptions } from './session.js';

export const Tenant = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$', description: 'brand code' });
export const Username = Type.String({ minLength: 3, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

/** One answer for every failed sign-in: it says nothing about whether the user exists, is disabled or locked. */
const SIGN_IN_REFUSED = 'tenant, username or password is wrong';

export const signIn = (opts: GatewayOptions) =>
  route({
    method: 'POST',
    url: '/token',
    summary: 'Sign in with a username and password: a short-lived access token and a refresh token',
    roles: 'public',
    body: Type.Object({ tenant: Tenant, username: Username, password: Password }, { additionalProperties: false }),
    response: { 200: TokenPair },
    errors: { 401: 'the brand, username or password is wrong, or the user is disabled or locked (one answer for all)' },
    handler: async ({ body }, tx) => {
      const now = new Date();
      // Whoever it turns out to be, sign-in works within the brand named.
      actForTenant(body.tenant);
      const user = await tx.db.selectFrom('app_user').selectAll().where('tenant', '=', body.tenant).where('username', '=', body.username).executeTakeFirst();
      // An unknown user costs a hash check too, so timing does not tell who exists.
      const matches = await verifyPassword(body.password, user?.password_hash ?? (await decoyHash()));
      const state = { failedAttempts: user?.failed_attempts ?? 0, lockedUntil: user?.locked_until ?? null };
      const actor = user ? { subject: user.id, role: user.role, tenant: user.tenant } : undefined;
      if (!user || !matches || user.status !== 'active' || isLocked(state, now)) {
        if (user && !matches) {
          const next = afterFailure(state, now);
          await tx.db.updateTable('app_user').set({ failed_attempts: next.failedAttempts, locked_until: next.lockedUntil }).where('id', '=', user.id).execute();
        }
        await audit(tx.db, { action: 'auth.sign-in', target: body.username, outcome: 'refused', tenant: body.tenant, actor });
        return refusal(SIGN_IN_REFUSED);
      }
      if (state.failedAttempts > 0) {
        const reset = afterSuccess();
        await tx.db.updateTable('app_user').set({ failed_attempts: reset.failedAttempts, locked_until: reset.lockedUntil }).where('id', '=', user.id).execute();
      }
      await audit(tx.db, { action: 'auth.sign-in', target: body.username, actor });
      return { status: 200, body: await issuePair(tx, opts, user, randomUUID()) };
    },
  });

export const refresh = (opts: GatewayOptions) =>
  route({
    method: 'POST',
    url: '/refresh',
    summary: 'Exchange a refresh token for a new pair; the old one is spent, and spending it twice revokes the user’s tokens',
    roles: 'public',
    body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    response: { 200: TokenPair },
    errors: { 401: "the refresh token is unknown, expired, revoked or spent (a spent one revokes all the user's tokens), or the user is disabled" },
    handler: async ({ body }, tx) => {
      const now = new Date();
      const hash = refreshTokenHash(body.refreshToken);
      // The token is the only key: found in whichever brand holds it, which the rest of the exchange then works in.
      const stored = await acrossTenants('a refresh token names no brand; its unguessable hash finds the one it belongs to', () =>
        tx.db.selectFrom('refresh_token').selectAll().where('token_hash', '=', hash).executeTakeFirst(),
      );
      if (stored) actForTenant(stored.tenant);
      const verdict = judgeRefresh(stored && { usedAt: stored.used_at, revokedAt: stored.revoked_at, expiresAt: stored.expires_at }, now);
      if (!stored || verdict === 'unknown') return refusal('refresh token unknown');
      const user = await tx.db.selectFrom('app_user').selectAll().where('tenant', '=', stored.tenant).where('id', '=', stored.user_id).executeTakeFirst();
      const actor = user && { subject: user.id, role: user.role, tenant: user.tenant };
      // Conditional on it being unspent: of two concurrent uses, one wins and the other is a reuse.
      const spent =
        verdict === 'valid' &&
        Number((await tx.db.updateTable('refresh_token').set({ used_at: now.toISOString() }).where('token_hash', '=', hash).where('used_at', 'is', null).executeTakeFirst()).numUpdatedRows) === 1;
      if (verdict === 'reused' || (verdict === 'valid' && !spent)) {
        await revokeAccess(tx, opts.auth, { tenant: stored.tenant, id: stored.user_id }, 'refresh-reused');
        await audit(tx.db, { action: 'auth.refresh-reused', target: stored.family, outcome: 'refused', tenant: stored.tenant, actor });
        return refusal('refresh token already used; every token of this user is revoked, sign in again');
      }
      if (!spent || !user || user.status !== 'active' || !ROLES.includes(user.role)) return refusal(`refresh token ${verdict === 'valid' ? 'no longer valid' : verdict}`);
      return { status: 200, body: await issuePair(tx, opts, user, stored.family) };
    },
  });

export const signOut = (opts: GatewayOptions) =>
  route({
    method: 'POST',
    url: '/signout',
    summary: "Sign out everywhere: the caller's refresh tokens are void and their access tokens refused by every service",
    roles: ROLES,
    response: { 204: Type.Null({ description: "signed out: the caller's refresh tokens are void and their access tokens refused" }) },
    handler: async ({ principal }, tx) => {
      await revokeAccess(tx, opts.auth, { tenant: principal.tenant, id: principal.subject }, 'signed-out');
      await audit(tx.db, { action: 'auth.sign-out', target: principal.subject });
      return { status: 204, body: null };
    },
  });
