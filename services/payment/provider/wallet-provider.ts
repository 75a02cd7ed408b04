import { randomUUID } from 'node:crypto';
import { httpClient, outsideContext, type HttpClient } from '@omnishop/kit';
import { signed, type WalletNotification } from '../domain/notification.js';

/**
 * The simulated mobile-wallet provider: part of the product, so the platform
 * can take wallet payments end to end without a real provider account (demo,
 * tests, load runs). It behaves the way the real ones do: asked to charge, it
 * answers at once with its own reference, and later (latencyMs) calls the
 * payment service's public callback route over HTTP with a notification signed
 * under the shared secret, success or failure by failureRate. Like a real
 * provider it redelivers a notification that got no answer or a 404 (the
 * intent's transaction may not have committed yet), and stops at a 2xx or at
 * 409 (already delivered). Swapping in a real provider means replacing this
 * module and keeping the callback route.
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
  /** Math.random unless a test wants to choose. */
  random?: () => number;
}

export interface ChargeRequest {
  tenant: string;
  intentId: string;
  amount: number;
  currency: string;
}

export class SimulatedWalletProvider {
  private client: { baseUrl: string; http: HttpClient } | undefined;

  constructor(private readonly opts: WalletProviderOptions) {}

  /** Accepts a charge and returns the provider's reference; the outcome comes later, by callback. */
  charge(req: ChargeRequest): string {
    const providerRef = `WLT${randomUUID().replace(/-/g, '').slice(0, 20).toUpperCase()}`;
    const outcome = (this.opts.random ?? Math.random)() < this.opts.failureRate ? 'failure' : 'success';
    // The provider is another system: its callback carries none of the request's context or deadline.
    outsideContext(() => this.later(() => this.deliver({ ...req, providerRef, outcome }, 1)));
    return providerRef;
  }

  private later(fn: () => Promise<void>, ms = this.opts.latencyMs): void {
    // unref: a pending callback never keeps a stopping process alive.
    setTimeout(() => void fn().catch(() => undefined), ms).unref();
  }

  private http(): HttpClient | undefined {
    const baseUrl = this.opts.baseUrl();
    if (!baseUrl) return undefined;
    if (this.client?.baseUrl !== baseUrl) this.client = { baseUrl, http: httpClient({ name: 'payment callback', baseUrl, retries: 2 }) };
    return this.client.http;
  }

  private async deliver(c: ChargeRequest & { providerRef: string; outcome: 'success' | 'failure' }, attempt: number): Promise<void> {
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
    let delivered = false;
    try {
      const http = this.http();
      if (http) {
        // The notification id as idempotency key lets the client retry lost answers; the route refuses a second delivery as a replay.
        const res = await http.call('POST', this.opts.callbackPath, { body: signed(notification, this.opts.secret), idempotencyKey: notification.notificationId });
        // 2xx: done; 409: delivered before; another 4xx will not get better. 404: the intent may not be committed yet.
        delivered = res.status !== 404;
      }
    } catch {
      // no answer: redeliver below
    }
    if (!delivered && attempt < (this.opts.attempts ?? 5)) this.later(() => this.deliver(c, attempt + 1), Math.max(this.opts.latencyMs, 50) * 2 ** attempt);
  }
}
