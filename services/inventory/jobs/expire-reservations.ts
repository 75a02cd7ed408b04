import { JOB_BATCH, type JobDefinition } from '@omnishop/kit';
import { settleReservation } from '../commands.js';
import type { InventoryTables } from '../db.js';
import { ReservationExpired } from '../contract.js';

/** Gives back stock held for orders that were never confirmed, a batch per run. */
export const expireReservations = (everyMs: number): JobDefinition<InventoryTables> => ({
  name: 'expire-reservations',
  everyMs,
  acrossTenants: "reservations of every brand expire on the same clock; each is settled and announced for its own brand",
  async run(tx) {
    const due = await tx.db
      .selectFrom('reservation')
      .selectAll()
      .where('status', '=', 'held')
      .where('expires_at', '<=', new Date().toISOString())
      .orderBy('expires_at')
      .limit(JOB_BATCH)
      .execute();
    for (const r of due) {
      if (await settleReservation(tx, r, 'expired')) {
        tx.emit(ReservationExpired, r.order_id, { orderId: r.order_id, reservationId: r.id }, { tenant: r.tenant });
      }
    }
  },
});
