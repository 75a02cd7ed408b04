import { JOB_BATCH, type JobDefinition } from '@omnishop/kit';
import { recordOffer } from '../commands.js';
import type { FulfilmentTables } from '../db.js';
import { isDue, LAST_ROUND, nextRound } from '../domain/fulfilment.js';
import { OrderReoffered } from '../contract.js';

/**
 * Offers orders nobody claimed within `timeoutSeconds` in the next round, a batch per run.
 * Conditional on status, round and offer time, so replicas (or a claim) racing it cannot double it.
 */
export const reofferUnclaimed = (everyMs: number, timeoutSeconds: number): JobDefinition<FulfilmentTables> => ({
  name: 'reoffer-unclaimed',
  everyMs,
  acrossTenants: "unclaimed offers of every brand time out on the same clock; each is re-offered within its own brand",
  async run(tx) {
    const now = new Date();
    const cutoff = new Date(now.getTime() - timeoutSeconds * 1000).toISOString();
    const due = await tx.db
      .selectFrom('fulfilment')
      .selectAll()
      .where('status', '=', 'offered')
      .where('round', '<', LAST_ROUND)
      .where('offered_at', '<=', cutoff)
      .orderBy('offered_at')
      .limit(JOB_BATCH)
      .execute();
    for (const f of due) {
      const round = nextRound(f.round);
      if (!round || !isDue(f.offered_at, now, timeoutSeconds)) continue;
      const moved = await tx.db
        .updateTable('fulfilment')
        .set({ round, offered_at: now.toISOString(), updated_at: now.toISOString() })
        .where('tenant', '=', f.tenant)
        .where('order_id', '=', f.order_id)
        .where('status', '=', 'offered')
        .where('round', '=', f.round)
        .where('offered_at', '=', f.offered_at)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) continue;
      const locations = await recordOffer(tx, f.tenant, f.order_id, round);
      tx.emit(OrderReoffered, f.order_id, { orderId: f.order_id, round, locations, reason: 'timeout' }, { tenant: f.tenant });
    }
  },
});
