import { defineService } from '@omnishop/kit';
import { inChargeHandlers, inChargeMigrations } from '@omnishop/in-charge';
import type { PaymentTables } from './db.js';
import { sagaHandlers } from './events/handlers.js';
import { paymentEvents } from './contract.js';
import { renotifyPendingPayments } from './jobs/renotify.js';
import { migrations } from './migrations/index.js';
import { SimulatedWalletProvider } from './provider/wallet-provider.js';
import { walletCallback } from './routes/callbacks.js';
import { cancelIntent, getIntent, listIntents, refundIntent } from './routes/intents.js';

export const PAYMENT_PREFIX = '/api/payments';

export interface PaymentOptions {
  /** The secret the wallet provider signs its notifications with (HMAC-SHA256). */
  providerSecret: string;
  /** How long the simulated provider takes to call back. */
  latencyMs: number;
  /** Share of wallet payments the simulated provider fails, 0 to 1. */
  failureRate: number;
  /**
   * Where the simulated provider reaches the platform. A function, because
   * the platform learns its own address only once it listens (port 0 in
   * tests), after the services are defined; it is asked at each callback.
   */
  baseUrl: string | (() => string | undefined);
  /** How old (or how far ahead) a notification's timestamp may be; default 5 minutes. */
  callbackWindowMs?: number;
  /**
   * How often wallet payments still pending are looked for; the provider is
   * asked to notify again about those it was last asked about more than
   * latencyMs + renotifyMs ago (its notification was lost, say in a crash).
   */
  renotifyMs: number;
}

export const paymentService = (opts: PaymentOptions) => {
  const baseUrl = opts.baseUrl;
  const provider = new SimulatedWalletProvider({
    secret: opts.providerSecret,
    latencyMs: opts.latencyMs,
    failureRate: opts.failureRate,
    baseUrl: typeof baseUrl === 'function' ? baseUrl : () => baseUrl,
    callbackPath: `${PAYMENT_PREFIX}/callbacks/wallet`,
  });
  return defineService<PaymentTables>({
    name: 'payment',
    prefix: PAYMENT_PREFIX,
    description:
      'Payment intents for orders, created by the order saga (PaymentRequested) and cancelled or refunded when the order is cancelled or its goods returned: by mobile wallet, through the simulated wallet provider that is part of the product (it calls back asynchronously with an HMAC-signed notification, after a configurable latency and with a configurable failure rate), or in cash at the till; refunds up to what was captured. Forged, stale and replayed callbacks are refused; each intent is captured at most once.',
    migrations: { ...migrations, ...inChargeMigrations },
    emits: paymentEvents,
    routes: [
      listIntents,
      getIntent,
      refundIntent,
      cancelIntent,
      walletCallback({ secret: opts.providerSecret, windowMs: opts.callbackWindowMs ?? 5 * 60_000 }),
    ],
    handlers: [...sagaHandlers(provider), ...inChargeHandlers<PaymentTables>()],
    jobs: [renotifyPendingPayments(provider, { latencyMs: opts.latencyMs, everyMs: opts.renotifyMs })],
  });
};
