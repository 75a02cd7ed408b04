import { describe, expect, it } from 'vitest';
import { afterFailure, afterSuccess, isLocked, LOCKOUT } from '../domain/lockout.js';
import { judgeRefresh, newRefreshToken, refreshTokenHash } from '../domain/refresh.js';

const now = new Date('2026-03-01T12:00:00Z');
const later = (s: number) => new Date(now.getTime() + s * 1000).toISOString();

describe('refresh tokens', () => {
  it('are 256 random bits, stored only as their SHA-256', () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(newRefreshToken()).not.toBe(token);
    expect(refreshTokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshTokenHash(token)).toBe(refreshTokenHash(token));
  });

  it('only an unspent, unrevoked, unexpired token is valid; a spent one is a reuse', () => {
    const fresh = { usedAt: null, revokedAt: null, expiresAt: later(60) };
    expect(judgeRefresh(fresh, now)).toBe('valid');
    expect(judgeRefresh(undefined, now)).toBe('unknown');
    expect(judgeRefresh({ ...fresh, usedAt: later(-1) }, now)).toBe('reused');
    expect(judgeRefresh({ ...fresh, expiresAt: later(0) }, now)).toBe('expired');
    // Revoked outranks everything: a spent token of a revoked family is not a new alarm.
    expect(judgeRefresh({ ...fresh, usedAt: later(-1), revokedAt: later(-1) }, now)).toBe('revoked');
  });
});

describe('lockout', () => {
  it(`locks after ${LOCKOUT.failures} failures in a row for ${LOCKOUT.seconds} s; a success starts over`, () => {
    let state = afterSuccess();
    for (let i = 1; i < LOCKOUT.failures; i++) state = afterFailure(state, now);
    expect(isLocked(state, now)).toBe(false);
    state = afterFailure(state, now);
    expect(isLocked(state, now)).toBe(true);
    expect(isLocked(state, new Date(later(LOCKOUT.seconds - 1)))).toBe(true);
    expect(isLocked(state, new Date(later(LOCKOUT.seconds)))).toBe(false);
    expect(afterSuccess()).toEqual({ failedAttempts: 0, lockedUntil: null });
  });
});
