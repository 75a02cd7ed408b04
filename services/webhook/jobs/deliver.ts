import type { JobDefinition } from '@omnishop/kit';
import { leaseDue } from '../commands.js';
import type { WebhookTables } from '../db.js';
import type { Sender } from '../sender.js';

/**
 * Claims the deliveries due now (new ones, and failed ones whose wait is over)
 * and hands them to the sender once the claim is committed. Claims are
 * conditional, so replicas running this at once never send one twice.
 */
export const deliverDue = (sender: Sender, everyMs: number, batch = 200): JobDefinition<WebhookTables> => ({
  name: 'deliver-webhooks',
  everyMs,
  acrossTenants: "every brand's deliveries wait on the same clock; each is sent and recorded within its own brand",
  async run(tx, uow) {
    const leased = await leaseDue(tx, { leaseMs: sender.leaseMs, limit: batch });
    if (leased.length) tx.afterCommit(() => sender.send(leased, uow));
  },
});
