import type { JobDefinition } from '@omnishop/kit';
import { subscribedTenants } from '../commands.js';
import type { WebhookTables } from '../db.js';
import type { SubscribedBrands } from '../subscribed.js';

/** Reads which brands have a subscription, for the fan-out's check (see SubscribedBrands). */
export const readSubscribedBrands = (subscribed: SubscribedBrands, everyMs: number): JobDefinition<WebhookTables> => ({
  name: 'read-subscribed-brands',
  everyMs,
  acrossTenants: 'which brands have a subscription is one question across every brand',
  async run(tx) {
    const tenants = await subscribedTenants(tx);
    tx.afterCommit(() => subscribed.replace(tenants));
  },
});
