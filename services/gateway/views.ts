import { Type, type Static } from '@sinclair/typebox';

/** What sign-in answers: the view once, its schema and the type it describes. */

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds the access token is valid' }),
  refreshToken: Type.String({ description: 'opaque; use once at POST /api/auth/refresh for a new pair' }),
  refreshExpiresIn: Type.Integer(),
}, { title: 'TokenPair', description: 'A short-lived access token (a JWT for `Authorization: Bearer`) and a refresh token' });
export type TokenPair = Static<typeof TokenPair>;
