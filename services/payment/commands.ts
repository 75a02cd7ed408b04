import { audit, Changed, currentContext, err, newId, ok, type Principal, type Result, type Tx } from '@omnishop/kit';
import { LIVE_STATUSES, planRefund, transition, type PaymentMethod, type RefundRejection } from './domain/intent.js';
import { queries, type IntentRow, type PaymentTables, type RefundRow } from './db.js';
import { PaymentCancelled, PaymentCaptured, PaymentFailed, PaymentRefunded } from './contract.js';
import type { WalletNotification } from './domain/notification.js';
import type { SimulatedWalletProvider } from './provider/wallet-provider.js';

/**
 * The writes on payment intents, each with the event it emits, shared by the
 * routes (staff), the saga's handlers and the jobs. Each update is
 * conditional on what was read, so two writers racing on one intent cannot
 * both win: the loser throws Changed (a request gets 409, a handler retries).
 */

type PaymentTx = Tx<PaymentTables>;

/** The order's live payment (pending or captured), if it has one. */
export async function liveIntentOf(tx: PaymentTx, tenant: string, orderId: string): Promise<IntentRow | undefined> {
  return tx.db.selectFrom('payment_intent').selectAll().where('tenant', '=', tenant).where('order_id', '=', orderId).where('status', 'in', LIVE_STATUSES).executeTakeFirst();
}

/** What the domain's rules need of an intent: bigint columns come back as strings on PostgreSQL. */
export const balanceOf = (intent: IntentRow) => ({ status: intent.status, amount: Number(intent.amount), refunded: Number(intent.refunded) });

export interface PaymentRequest {
  tenant: string;
  orderId: string;
  /** Who may see it; null for a walk-in customer. */
  customerId: string | null;
  amount: number;
  currency: string;
  method: PaymentMethod;
}

/**
 * Takes the payment for an order: the wallet provider is asked to charge once
 * the intent is committed (it calls back with the outcome), or the cash is in
 * hand and captured at once.
 * A second live intent for the order is refused by the partial unique index.
 */
export async function takePayment(tx: PaymentTx, provider: SimulatedWalletProvider, req: PaymentRequest): Promise<IntentRow> {
  const { tenant, orderId, amount, currency } = req;
  const id = newId();
  const now = new Date().toISOString();
  const cash = req.method === 'cash';
  const row: IntentRow = {
    id,
    tenant,
    order_id: orderId,
    customer_id: req.customerId,
    amount,
    refunded: 0,
    currency,
    method: req.method,
    status: cash ? 'captured' : 'created',
    provider_ref: cash ? null : provider.reference(),
    notify_asked_at: cash ? null : now,
    created_at: now,
    updated_at: now,
  };
  await queries.insertIntent.run(tx.db, row);
  // Asked once the intent is durable: its callback then finds it, and an intent rolled back is never charged.
  const providerRef = row.provider_ref;
  if (providerRef) tx.afterCommit(() => provider.charge({ tenant, intentId: id, amount, currency, providerRef }));
  if (cash) tx.emit(PaymentCaptured, orderId, { intentId: id, orderId, amount, currency, method: 'cash', providerRef: null, capturedAt: now }, { tenant });
  return row;
}

/** Cancels a payment not yet captured (the caller checked it is `created`); a late provider callback then changes nothing. */
export async function cancelPayment(tx: PaymentTx, intent: IntentRow): Promise<IntentRow> {
  const now = new Date().toISOString();
  const moved = await tx.db
    .updateTable('payment_intent')
    .set({ status: 'cancelled', updated_at: now })
    .where('tenant', '=', intent.tenant)
    .where('id', '=', intent.id)
    .where('status', '=', 'created')
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) throw new Changed('payment-changed', `payment ${intent.id} was settled meanwhile; look again`);
  tx.emit(PaymentCancelled, intent.order_id, { intentId: intent.id, orderId: intent.order_id, amount: Number(intent.amount), currency: intent.currency }, { tenant: intent.tenant });
  return { ...intent, status: 'cancelled', updated_at: now };
}

/**
 * Applies the wallet provider's verified notification to its intent, at most
 * once: `replayed` when this notification was applied before. The update is
 * conditional on the intent still being created, so a second or late
 * notification for a settled intent changes nothing (`applied: false`), but a
 * success for a cancelled intent: that money is refunded at once.
 */
export async function settleByNotification(
  tx: PaymentTx,
  intent: IntentRow,
  n: WalletNotification,
): Promise<Result<{ applied: boolean; intent: IntentRow }, 'replayed'>> {
  const tenant = intent.tenant;
  const seen = await queries.seen.run(tx.db, { tenant, notificationId: n.notificationId, intentId: intent.id, at: new Date().toISOString() });
  if (seen !== 1) return err('replayed');

  const to = transition('created', n.outcome === 'success' ? 'capture' : 'fail');
  if (!to.ok) throw new Error(to.error);
  const now = new Date().toISOString();
  const moved = await queries.settle.run(tx.db, { tenant, id: intent.id, status: to.value, at: now });
  if (moved !== 1) {
    const settled = await queries.intent.first(tx.db, { tenant, id: intent.id });
    if (!settled) throw new Error(`payment intent ${intent.id} vanished while being settled`);
    const givenBack = n.outcome === 'success' ? await refundLateCapture(tx, settled) : undefined;
    return ok({ applied: false, intent: givenBack ?? settled });
  }
  const payment = { intentId: intent.id, orderId: intent.order_id, amount: Number(intent.amount), currency: intent.currency, providerRef: n.providerRef };
  if (to.value === 'captured') tx.emit(PaymentCaptured, intent.order_id, { ...payment, method: 'wallet', capturedAt: now }, { tenant });
  else tx.emit(PaymentFailed, intent.order_id, { ...payment, reason: 'the wallet provider declined the payment' }, { tenant });
  return ok({ applied: true, intent: { ...intent, status: to.value, updated_at: now } });
}

export interface RefundOrder {
  amount: number;
  reason: string;
  /** Makes the refund one of a kind: a second with the same key is `already_refunded`. */
  key?: string;
  /** Who gives it back, when not the caller of the request in hand (who took the goods back for a return); none for the saga's own. */
  by?: Pick<Principal, 'subject' | 'role' | 'tenant'>;
}

/**
 * The provider took the money for a payment we had called off (the customer
 * approved it in their wallet after the order was cancelled): it is refunded
 * at once, in full, and said so (PaymentRefunded), so nothing is kept for an
 * order that does not exist. Conditional on the intent still being
 * cancelled, so it happens once.
 */
export async function refundLateCapture(tx: PaymentTx, intent: IntentRow): Promise<IntentRow | undefined> {
  const to = transition(intent.status, 'late_capture');
  if (!to.ok) return undefined;
  const amount = Number(intent.amount);
  const done = await recordRefund(tx, intent, { status: to.value, refunded: amount }, { amount, reason: 'captured after the payment was cancelled: given back', key: `late:${intent.id}` });
  return done?.intent;
}

/** Gives back part or all of a captured payment, never more than is left of it. */
export async function refundPayment(
  tx: PaymentTx,
  intent: IntentRow,
  order: RefundOrder,
): Promise<Result<{ refund: RefundRow; intent: IntentRow }, RefundRejection | 'already_refunded'>> {
  if (order.key !== undefined) {
    const before = await tx.db.selectFrom('refund').select('id').where('tenant', '=', intent.tenant).where('refund_key', '=', order.key).executeTakeFirst();
    if (before) return err('already_refunded');
  }
  const plan = planRefund(balanceOf(intent), order.amount);
  if (!plan.ok) return plan;
  const done = await recordRefund(tx, intent, plan.value, order);
  if (!done) throw new Changed('payment-changed', `payment ${intent.id} was refunded meanwhile; look again and retry`);
  return ok(done);
}

/**
 * Moves the intent to what the refund makes it, records the refund, says so
 * (PaymentRefunded) and audits it: by hand (the caller is the actor), for a
 * return (who took the goods back is), or by the saga for a cancellation or a late capture. Conditional on
 * the intent being as it was read, so a concurrent refund cannot push the
 * total past the amount: undefined when it changed meanwhile.
 */
async function recordRefund(
  tx: PaymentTx,
  intent: IntentRow,
  to: { status: IntentRow['status']; refunded: number },
  order: RefundOrder,
): Promise<{ refund: RefundRow; intent: IntentRow } | undefined> {
  const now = new Date().toISOString();
  const moved = await tx.db
    .updateTable('payment_intent')
    .set({ status: to.status, refunded: to.refunded, updated_at: now })
    .where('tenant', '=', intent.tenant)
    .where('id', '=', intent.id)
    .where('status', '=', intent.status)
    .where('refunded', '=', intent.refunded)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) return undefined;
  // The unique key is the last guard: a concurrent refund for the same key fails here, and its transaction with it.
  const by = order.by ?? currentContext()?.principal;
  const refund: RefundRow = {
    id: newId(),
    tenant: intent.tenant,
    intent_id: intent.id,
    amount: order.amount,
    reason: order.reason,
    refund_key: order.key ?? null,
    refunded_by: by?.subject ?? null,
    created_at: now,
  };
  await tx.db.insertInto('refund').values(refund).execute();
  tx.emit(
    PaymentRefunded,
    intent.order_id,
    {
      intentId: intent.id,
      orderId: intent.order_id,
      amount: order.amount,
      currency: intent.currency,
      refundId: refund.id,
      refundedTotal: to.refunded,
      reason: order.reason,
    },
    { tenant: intent.tenant },
  );
  await audit(tx.db, { action: 'payment.refund', target: `${intent.id}: ${order.amount} ${intent.currency}, refund ${refund.id} (${order.reason})`, ...(by ? { actor: by } : {}) });
  return { refund, intent: { ...intent, status: to.status, refunded: to.refunded, updated_at: now } };
}
