import { describe, expect, it } from 'vitest';
import { canonicalNotification, signed, verifyNotification, type WalletNotification } from '../domain/notification.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hmac';
const now = new Date('2025-11-11T00:00:10Z');
const notification: WalletNotification = {
  notificationId: 'n-1',
  tenant: 'acme',
  intentId: 'i-1',
  providerRef: 'WLT1',
  outcome: 'success',
  amount: 9900,
  currency: 'CNY',
  timestamp: '2025-11-11T00:00:00Z',
};
const opts = { secret: SECRET, now, windowMs: 60_000 };

describe('wallet notification signatures', () => {
  it('accepts a genuine, fresh, new notification and returns it without the signature', () => {
    const result = verifyNotification(signed(notification, SECRET), opts);
    expect(result).toEqual({ ok: true, value: notification });
  });

  it('rejects a notification signed with another secret, or changed after signing', () => {
    expect(verifyNotification(signed(notification, `${SECRET}-other`), opts)).toEqual({ ok: false, error: 'bad_signature' });
    const s = signed(notification, SECRET);
    for (const tampered of [{ amount: 1 }, { outcome: 'failure' as const }, { tenant: 'other' }, { intentId: 'i-2' }, { timestamp: '2025-11-11T00:00:01Z' }]) {
      expect(verifyNotification({ ...s, ...tampered }, opts), JSON.stringify(tampered)).toEqual({ ok: false, error: 'bad_signature' });
    }
  });

  it('rejects malformed signatures without throwing', () => {
    for (const signature of ['', 'zz', 'ab'.repeat(31), 'AB'.repeat(32), 'ab'.repeat(33)]) {
      expect(verifyNotification({ ...notification, signature }, opts)).toEqual({ ok: false, error: 'bad_signature' });
    }
  });

  it('rejects a notification older (or further ahead) than the window', () => {
    const old = signed({ ...notification, timestamp: '2025-11-10T23:58:00Z' }, SECRET);
    expect(verifyNotification(old, opts)).toEqual({ ok: false, error: 'stale' });
    const ahead = signed({ ...notification, timestamp: '2025-11-11T00:02:00Z' }, SECRET);
    expect(verifyNotification(ahead, opts)).toEqual({ ok: false, error: 'stale' });
    const garbage = signed({ ...notification, timestamp: 'yesterday' }, SECRET);
    expect(verifyNotification(garbage, opts)).toEqual({ ok: false, error: 'stale' });
  });

  it('rejects a notification whose id was seen before', () => {
    expect(verifyNotification(signed(notification, SECRET), { ...opts, seenBefore: true })).toEqual({ ok: false, error: 'replayed' });
  });

  it('signs a canonical string in which no field can bleed into the next', () => {
    const a = canonicalNotification({ ...notification, intentId: 'i', providerRef: '1x' });
    const b = canonicalNotification({ ...notification, intentId: 'i1', providerRef: 'x' });
    expect(a).not.toBe(b);
  });
});
