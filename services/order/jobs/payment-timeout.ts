import { Changed, JOB_BATCH, type JobDefinition } from '@omnishop/kit';
import { advance, type SagaOptions } from '../commands.js';
import type { OrderTables } from '../db.js';

/** Cancels orders whose payment did not arrive in time, a batch per run; the cancellation gives back stock and coupons and cancels the payment. */
export const cancelUnpaidOrders = (everyMs: number, opts: SagaOptions): JobDefinition<OrderTables> => ({
  name: 'cancel-unpaid-orders',
  everyMs,
  acrossTenants: "orders of every brand await payment on the same clock; each is cancelled within its own brand",
  async run(tx) {
    const due = await tx.db
      .selectFrom('orders')
      .select(['tenant', 'id'])
      .where('status', '=', 'awaiting_payment')
      .where('payment_due_by', '<=', new Date().toISOString())
      .orderBy('payment_due_by')
      .limit(JOB_BATCH)
      .execute();
    for (const o of due) {
      // Paid meanwhile (the capture raced this run): leave it to the capture, and time out the rest.
      await advance(tx, o.tenant, o.id, { kind: 'payment_timed_out' }, opts).catch((e: unknown) => {
        if (!(e instanceof Changed)) throw e;
      });
    }
  },
});
