import { Type } from '@sinclair/typebox';
import { ROLES, unauthorized, type RouteResult } from '@omnishop/kit';
import { checkPassword, endSessions, refreshSession, startSession, type GatewayOptions } from '../commands.js';
import { route } from '../db.js';
import { TokenPair } from '../views.js';

export const Tenant = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$', description: 'brand code' });
export const Username = Type.String({ minLength: 3, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

/**
 * A 401 returned rather than thrown: the unit of work still commits, so what
 * the refusal records (audit, failed attempts) is kept.
 */
const refusal = (detail: string): RouteResult => ({ status: 401, body: unauthorized(detail) });

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
    // scrypt takes tens of milliseconds: inside the unit of work it would hold up every write of the gateway queued behind it.
    prepare: ({ body }, read) => checkPassword(read, body),
    handler: async ({ body, prepared }, tx) => {
      const session = await startSession(tx, opts, body, prepared);
      return session.ok ? { status: 200, body: session.value } : refusal(SIGN_IN_REFUSED);
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
      const session = await refreshSession(tx, opts, body.refreshToken);
      return session.ok ? { status: 200, body: session.value } : refusal(session.error);
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
      await endSessions(tx, opts.auth, principal);
      return { status: 204, body: null };
    },
  });
