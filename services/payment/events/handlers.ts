import { OrderCancelled, OrderReturned, PaymentRequested, WALK_IN_CUSTOMER } from '@omnishop/order/contract';
import { putInCharge } from '@omnishop/in-charge';
import { compensation, returnRefund } from '../domain/intent.js';
import { on, queries } from '../db.js';
import { balanceOf, cancelPayment, liveIntentOf, refundPayment, takePayment } from '../commands.js';
import type { SimulatedWalletProvider } from '../provider/wallet-provider.js';

/**
 * The payment service's part of the order saga: it takes the payment the
 * order asks for, and gives it back when the order is cancelled or its goods
 * returned. Intents are created here only.
 */
export const sagaHandlers = (provider: SimulatedWalletProvider) => [
  on(PaymentRequested, async (event, tx) => {
    const { orderId, customerId, amount, currency, method, store } = event.data;
    // The saga asks once per order: an order with any intent, even a failed one, was answered already and is not charged again.
    const earlier = await queries.anyIntentOf.first(tx.db, { tenant: event.tenant, orderId });
    if (earlier) return;
    // A till sale is in its store's charge from the start; an online order once a store claims it (inChargeHandlers).
    if (store) await putInCharge(tx.db, event.tenant, orderId, store);
    // A walk-in customer is nobody's account: no customer token may see that payment.
    await takePayment(tx, provider, { tenant: event.tenant, orderId, customerId: customerId === WALK_IN_CUSTOMER ? null : customerId, amount, currency, method });
  }),

  // Cancelled before capture: the payment is cancelled. Captured (the customer cancelled a paid order, or the capture raced the cancellation): refunded in full.
  on(OrderCancelled, async (event, tx) => {
    const { orderId, reason } = event.data;
    const intent = await liveIntentOf(tx, event.tenant, orderId);
    if (!intent) return;
    const owed = compensation(balanceOf(intent));
    // A write that loses a race with another on the same intent throws Changed: the handler is retried and decides again.
    if (owed.kind === 'cancel') await cancelPayment(tx, intent);
    if (owed.kind === 'refund') {
      await refundPayment(tx, intent, { amount: owed.amount, reason: `order cancelled: ${reason}`, key: `cancel:${orderId}` });
    }
  }),

  // Goods came back: what they are worth is refunded, once per return.
  on(OrderReturned, async (event, tx) => {
    const { orderId, returnId, amount, reason, takenBy } = event.data;
    const intent = await liveIntentOf(tx, event.tenant, orderId);
    if (!intent) return;
    const refund = returnRefund(balanceOf(intent), amount);
    if (refund === 0) return;
    await refundPayment(tx, intent, { amount: refund, reason: `return ${returnId}: ${reason}`, key: `return:${returnId}`, ...(takenBy ? { by: { ...takenBy, tenant: event.tenant } } : {}) });
  }),
];
