import { Type } from '@sinclair/typebox';
import { unauthorized, type RouteResult } from '@omnishop/kit';

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds the access token is valid' }),
  refreshToken: Type.String({ description: 'opaque; use once at POST /api/auth/refresh for a new pair' }),
  refreshExpiresIn: Type.Integer(),
}, { title: 'TokenPair', description: 'A short-lived access token (a JWT for `Authorization: Bearer`) and a refresh token' });

/**
 * A 401 returned rather than thrown: the unit of work still commits, so what
 * the refusal records (audit, failed attempts) is kept.
 */
export function refusal(detail: string): RouteResult {
  return { status: 401, body: unauthorized(detail) };
}
