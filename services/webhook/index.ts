import { defineService } from '@omnishop/kit';
import { webhookEvents } from './contract.js';
import type { WebhookTables } from './db.js';
import type { RetrySchedule } from './domain/webhook.js';
import { fanOutHandlers } from './events/handlers.js';
import { deliverDue } from './jobs/deliver.js';
import { readSubscribedBrands } from './jobs/subscribed-brands.js';
import { migrations } from './migrations/index.js';
import { webhookRoutes } from './routes/subscriptions.js';
import { Sender } from './sender.js';
import { SubscribedBrands } from './subscribed.js';

export interface WebhookOptions {
  /** How often deliveries due are looked for (new events, and retries whose wait is over). */
  checkMs: number;
  /** How long an endpoint may take to answer. */
  timeoutMs: number;
  /** Attempts, and the waits between them, before a delivery is parked. */
  retry: RetrySchedule;
}

export const webhookService = (opts: WebhookOptions) => {
  const subscribed = new SubscribedBrands();
  return defineService<WebhookTables>({
    name: 'webhook',
    prefix: '/api/webhooks',
    description:
      "Webhooks: a brand admin subscribes the brand's own HTTP(S) endpoints to its events; each delivery is signed the Standard Webhooks way (HMAC-SHA256 with the subscription's secret, over its id, timestamp and body), sent in order per key, retried with backoff, parked after its attempts and replayable. A brand only ever receives its own events.",
    migrations,
    emits: webhookEvents,
    routes: webhookRoutes(subscribed),
    handlers: fanOutHandlers(subscribed),
    jobs: [deliverDue(new Sender({ timeoutMs: opts.timeoutMs, schedule: opts.retry }), opts.checkMs), readSubscribedBrands(subscribed, opts.checkMs)],
  });
};
