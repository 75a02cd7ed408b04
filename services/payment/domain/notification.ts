import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { choice, err, ok, type Result } from '@omnishop/kit';

/**
 * What the wallet provider tells us about a payment, asynchronously. It is
 * signed with HMAC-SHA256 under the secret we share with the provider, over a
 * canonical string of every field in a fixed order, so nothing in it can be
 * changed, and carries its own id and time, so it cannot be replayed.
 */
export const SignedNotification = Type.Object(
  {
    // Unique per notification; a second one with the same id is a replay.
    notificationId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w.:-]+$' }),
    // The brand the intent belongs to: a callback carries no token, so this is the tenant, once verified.
    tenant: Type.String({ minLength: 1, maxLength: 100 }),
    intentId: Type.String({ minLength: 1, maxLength: 100 }),
    providerRef: Type.String({ minLength: 1, maxLength: 100 }),
    outcome: choice(['success', 'failure']),
    amount: Type.Integer({ minimum: 0 }),
    currency: Type.String({ minLength: 1, maxLength: 10 }),
    // ISO instant the provider sent it.
    timestamp: Type.String({ minLength: 1, maxLength: 40 }),
    // Lowercase hex HMAC-SHA256 of canonicalNotification().
    signature: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type SignedNotification = Static<typeof SignedNotification>;
export type WalletNotification = Omit<SignedNotification, 'signature'>;

/** The exact string signed: a JSON array in a fixed order, so no field can bleed into another. */
export function canonicalNotification(n: WalletNotification): string {
  return JSON.stringify(['wallet-notification.v1', n.notificationId, n.tenant, n.intentId, n.providerRef, n.outcome, n.amount, n.currency, n.timestamp]);
}

export function signNotification(n: WalletNotification, secret: string): string {
  return createHmac('sha256', secret).update(canonicalNotification(n)).digest('hex');
}

export function signed(n: WalletNotification, secret: string): SignedNotification {
  return { ...n, signature: signNotification(n, secret) };
}

export type NotificationRejection = 'bad_signature' | 'stale' | 'replayed';

export interface VerifyOptions {
  secret: string;
  now: Date;
  /** How far a notification's timestamp may be from now, either way (clocks drift), in milliseconds. */
  windowMs: number;
  /** Whether a notification with this id was accepted before. */
  seenBefore?: boolean;
}

/** The notification without its signature when it is genuine, fresh and new; otherwise why not. */
export function verifyNotification(s: SignedNotification, opts: VerifyOptions): Result<WalletNotification, NotificationRejection> {
  const { signature, ...n } = s;
  const expected = Buffer.from(signNotification(n, opts.secret), 'hex');
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return err('bad_signature');
  const sent = Date.parse(n.timestamp);
  if (!Number.isFinite(sent) || Math.abs(opts.now.getTime() - sent) > opts.windowMs) return err('stale');
  if (opts.seenBefore) return err('replayed');
  return ok(n);
}
