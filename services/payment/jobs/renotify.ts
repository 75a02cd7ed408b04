import { JOB_BATCH, type JobDefinition } from '@omnishop/kit';
import type { PaymentTables } from '../db.js';
import type { SimulatedWalletProvider } from '../provider/wallet-provider.js';

/**
 * Asks the wallet provider to notify again about wallet payments still
 * pending `latencyMs + everyMs` after it was last asked: the notification it
 * owed may have been lost (the process that would have received it, or the
 * simulated provider itself, was killed). Real providers re-send until
 * acknowledged; this asks the simulated one to. Each intent is asked at most
 * once per period, a batch per run; the conditional update makes one replica
 * ask, not every one.
 */
export const renotifyPendingPayments = (provider: SimulatedWalletProvider, opts: { latencyMs: number; everyMs: number }): JobDefinition<PaymentTables> => ({
  name: 'renotify-pending-payments',
  acrossTenants: 'pending wallet payments of every brand wait on the same provider; each is renotified within its own brand',
  everyMs: opts.everyMs,
  async run(tx) {
    const now = new Date();
    const askedBefore = new Date(now.getTime() - opts.latencyMs - opts.everyMs).toISOString();
    const pending = await tx.db
      .selectFrom('payment_intent')
      .select(['tenant', 'id', 'amount', 'currency', 'provider_ref', 'notify_asked_at'])
      .where('status', '=', 'created')
      .where('method', '=', 'wallet')
      .where('notify_asked_at', '<=', askedBefore)
      .where('provider_ref', 'is not', null)
      .$narrowType<{ provider_ref: string }>()
      .orderBy('notify_asked_at')
      .limit(JOB_BATCH)
      .execute();
    for (const p of pending) {
      const asked = await tx.db
        .updateTable('payment_intent')
        .set({ notify_asked_at: now.toISOString() })
        .where('tenant', '=', p.tenant)
        .where('id', '=', p.id)
        .where('status', '=', 'created')
        .where('notify_asked_at', '=', p.notify_asked_at)
        .executeTakeFirst();
      if (Number(asked.numUpdatedRows) !== 1) continue;
      const notice = { tenant: p.tenant, intentId: p.id, providerRef: p.provider_ref, amount: Number(p.amount), currency: p.currency };
      tx.afterCommit(() => provider.notifyAgain(notice));
    }
  },
});
