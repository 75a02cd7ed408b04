import { createHash, randomUUID } from 'node:crypto';
import { bulkhead } from 'cockatiel';
import { httpClient, outsideContext, type HttpClient } from '@omnishop/kit';
import { signed, type WalletNotification } from '../domain/notification.js';

/**
 * The simulated mobile-wallet provider: part of the product, so the platform
 * can take wallet payments end to end without a real provider account (demo,
 * tests, load runs). It behaves the way the real ones do: asked to charge, it
 * answers at once with its own reference, and later (latencyMs) calls the
 * payment service's public callback route over HTTP with a notification signed
 * under the shared secret, success or failure by failureRate. Like a real
 * provider it redelivers a notification that got no answer, a 404 (the
 * intent's transaction may not have committed yet), a 429 or a 5xx, and stops at a 2xx or at
 * 409 (already delivered). It keeps nothing but timers in memory, so when the
 * process dies the notifications it still owed are lost; like a real provider
 * it sends one again when asked (notifyAgain: the payment service's
 * renotify job asks for intents that waited too long), with a fresh
 * notification id and the same outcome, which it derives from the reference.
 * Swapping in a real provider means replacing this module and keeping the
 * callback route.
 */
export interface WalletProviderOptions {
  secret: string;
  /** How long after the charge request the provider calls back. */
  latencyMs: number;
  /** Share of payments that fail, 0 to 1. */
  failureRate: number;
  /** The platform's address, asked at each delivery: it is known only once the server listens. */
  baseUrl: () => string | undefined;
  /** Where the callback route is, below baseUrl. */
  callbackPath: string;
  /** Deliveries of one notification before the provider gives up. */
  attempts?: number;
  /** Notifications in flight at once; the rest wait their turn, as behind a real provider's notifier pool. */
  concurrency?: number;
}

export interface ChargeRequest {
  tenant: string;
  intentId: string;
  amount: number;
  currency: string;
}

/** What the provider notifies about a payment it accepted. */
export interface ChargeNotice extends ChargeRequest {
  providerRef: string;
}

/**
 * Whether the simulated provider fails a payment: decided by a hash of its
 * (random) reference, uniform over [0, 1) against the failure rate, so the
 * provider answers the same each time it is asked, across restarts.
 */
export function simulatedOutcome(providerRef: string, failureRate: number): 'success' | 'failure' {
  const draw = createHash('sha256').update(providerRef).digest().readUInt32BE(0) / 2 ** 32;
  return draw < failureRate ? 'failure' : 'success';
}

export class SimulatedWalletProvider {
  private client: { baseUrl: string; http: HttpClient } | undefined;
  /** A burst of notifications queues here instead of opening a connection each and timing out together. */
  private readonly notifier;

  constructor(private readonly opts: WalletProviderOptions) {
    this.notifier = bulkhead(opts.concurrency ?? 64, Number.MAX_SAFE_INTEGER);
  }

  /** The provider's reference for a new charge; the outcome is derived from it, so it is the same whenever asked. */
  reference(): string {
    return `WLT${randomUUID().replace(/-/g, '').slice(0, 20).toUpperCase()}`;
  }

  /** Accepts a charge under its reference; the outcome comes later, by callback. */
  charge(notice: ChargeNotice): void {
    this.schedule(notice, this.opts.latencyMs);
  }

  /** Sends the notification of a payment it accepted once more, at once: the one it owed may have been lost. */
  notifyAgain(notice: ChargeNotice): void {
    this.schedule(notice, 0);
  }

  private schedule(notice: ChargeNotice, ms: number): void {
    const outcome = simulatedOutcome(notice.providerRef, this.opts.failureRate);
    // The provider is another system: its callback carries none of the request's context or deadline.
    outsideContext(() => this.later(() => this.deliver({ ...notice, outcome }, 1), ms));
  }

  private later(fn: () => Promise<void>, ms: number): void {
    // unref: a pending callback never keeps a stopping process alive.
    setTimeout(() => void fn().catch(() => undefined), ms).unref();
  }

  private http(): HttpClient | undefined {
    const baseUrl = this.opts.baseUrl();
    if (!baseUrl) return undefined;
    if (this.client?.baseUrl !== baseUrl) this.client = { baseUrl, http: httpClient({ name: 'payment callback', baseUrl, retries: 2 }) };
    return this.client.http;
  }

  private async deliver(c: ChargeNotice & { outcome: 'success' | 'failure' }, attempt: number): Promise<void> {
    let delivered = false;
    try {
      const http = this.http();
      if (http) {
        // Signed when its turn comes, so a notification that waited is not stale on arrival.
        const res = await this.notifier.execute(() => {
          const notification: WalletNotification = {
            notificationId: randomUUID(),
            tenant: c.tenant,
            intentId: c.intentId,
            providerRef: c.providerRef,
            outcome: c.outcome,
            amount: c.amount,
            currency: c.currency,
            timestamp: new Date().toISOString(),
          };
          // The notification id as idempotency key lets the client retry lost answers; the route refuses a second delivery as a replay.
          return http.call('POST', this.opts.callbackPath, { body: signed(notification, this.opts.secret), idempotencyKey: notification.notificationId });
        });
        // 2xx: done; 409: delivered before; another 4xx will not get better. 404: the intent may not be committed
        // yet; 429 and 5xx: the platform could not take it now (overloaded, say): tried again later.
        delivered = res.status !== 404 && res.status !== 429 && res.status < 500;
      }
    } catch {
      // no answer: redeliver below
    }
    if (!delivered && attempt < (this.opts.attempts ?? 5)) this.later(() => this.deliver(c, attempt + 1), Math.max(this.opts.latencyMs, 50) * 2 ** attempt);
  }
}
