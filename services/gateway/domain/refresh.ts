import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh tokens are opaque random strings, stored only as their SHA-256:
 * 256 random bits need no slow hash, and a leaked table holds no usable token.
 * Each use rotates: the token is spent and a new one of the same family is
 * issued. A spent token presented again means someone else holds a copy, and
 * the whole family is revoked.
 */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface StoredRefresh {
  usedAt: string | null;
  revokedAt: string | null;
  expiresAt: string;
}

/** What a presented refresh token is worth: only `valid` may be exchanged for a new pair. */
export type RefreshVerdict = 'unknown' | 'revoked' | 'reused' | 'expired' | 'valid';

export function judgeRefresh(stored: StoredRefresh | undefined, now: Date): RefreshVerdict {
  if (!stored) return 'unknown';
  if (stored.revokedAt) return 'revoked';
  if (stored.usedAt) return 'reused';
  if (new Date(stored.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'valid';
}
