import { Type } from '@sinclair/typebox';
import { conflict, Name, notFound, unprocessable, type Principal, type Tx } from '@omnishop/kit';
import { refuseUnlessInCharge } from '@omnishop/in-charge';
import { refundable, transition } from '../domain/intent.js';
import { route, type IntentRow, type PaymentTables } from '../db.js';
import { balanceOf, cancelPayment, refundPayment } from '../commands.js';
import { Amount, IntentId, OrderId, PAYERS, READERS, REFUNDERS } from './schemas.js';
import { IntentView, intentViewOf, intentViews } from '../views.js';

/** One intent of the caller's brand; a customer sees only their own, and anyone else's does not exist. */
async function findIntent(tx: Tx<PaymentTables>, principal: Principal, id: string): Promise<IntentRow> {
  const row = await tx.db.selectFrom('payment_intent').selectAll().where('tenant', '=', principal.tenant).where('id', '=', id).executeTakeFirst();
  if (!row || (principal.role === 'customer' && row.customer_id !== principal.subject)) throw notFound('payment intent', id);
  return row;
}

export const listIntents = route({
  method: 'GET',
  url: '/intents',
  summary: "An order's payments (the order's saga creates them), newest first: for the checkout or the till to follow one",
  roles: READERS,
  query: Type.Object({ orderId: OrderId }, { additionalProperties: false }),
  response: { 200: Type.Object({ items: Type.Array(IntentView) }, { description: "The order's payment intents, newest first (none for someone else's order)" }) },
  handler: async ({ query, principal }, tx) => {
    let q = tx.db.selectFrom('payment_intent').selectAll().where('tenant', '=', principal.tenant).where('order_id', '=', query.orderId);
    // A customer's query finds only their own payments: someone else's order looks like one without any.
    if (principal.role === 'customer') q = q.where('customer_id', '=', principal.subject);
    const rows = await q.orderBy('created_at', 'desc').execute();
    return { status: 200, body: { items: await intentViews(tx, rows) } };
  },
});

export const getIntent = route({
  method: 'GET',
  url: '/intents/:id',
  summary: 'A payment intent: its status, and each refund (how much, when, why, by whom)',
  roles: READERS,
  params: Type.Object({ id: IntentId }),
  response: { 200: IntentView },
  errors: { 404: "no payment intent with this id (or, to a customer, someone else's)" },
  handler: async ({ params, principal }, tx) => ({ status: 200, body: await intentViewOf(tx, await findIntent(tx, principal, params.id)) }),
});

const RefundView = Type.Object(
  { id: Type.String(), amount: Type.Integer(), reason: Type.String(), createdAt: Type.String(), intent: IntentView },
  { title: 'Refund', description: 'The refund made, and the payment intent as it now stands' },
);

export const refundIntent = route({
  method: 'POST',
  url: '/intents/:id/refund',
  summary: 'Give back part or all of a captured payment; refunds together never pass the captured amount',
  roles: REFUNDERS,
  idempotent: true,
  params: Type.Object({ id: IntentId }),
  body: Type.Object({ amount: Amount, reason: Name }, { additionalProperties: false }),
  response: { 201: RefundView },
  errors: {
    403: 'store staff of a store not in charge of the order',
    404: 'no payment intent with this id',
    409: 'the payment is not captured, or was refunded meanwhile',
    422: 'the amount is more than is left to refund',
  },
  handler: async ({ params, body, principal }, tx) => {
    const intent = await findIntent(tx, principal, params.id);
    await refuseUnlessInCharge(tx.db, principal, intent.order_id);
    const done = await refundPayment(tx, intent, body);
    if (!done.ok) {
      if (done.error === 'not_captured') throw conflict('payment-not-captured', `payment ${intent.id} is ${intent.status}; only a captured payment can be refunded`);
      if (done.error === 'exceeds_refundable') {
        const current = balanceOf(intent);
        throw unprocessable('body.amount', `must be at most ${refundable(current)}, what is left of the captured ${current.amount}`);
      }
      // A refund by hand names no key, so it is never one already made.
      throw new Error(`refund of payment ${intent.id}: ${done.error}`);
    }
    const { refund: made, intent: updated } = done.value;
    return { status: 201, body: { id: made.id, amount: Number(made.amount), reason: made.reason, createdAt: made.created_at, intent: await intentViewOf(tx, updated) } };
  },
});

export const cancelIntent = route({
  method: 'POST',
  url: '/intents/:id/cancel',
  summary: 'Cancel a payment before anything is captured; cancelling a cancelled one changes nothing',
  roles: PAYERS,
  params: Type.Object({ id: IntentId }),
  response: { 200: IntentView },
  errors: {
    403: 'store staff of a store not in charge of the order',
    404: "no payment intent with this id (or, to a customer, someone else's)",
    409: 'the payment is settled (captured or failed), or was settled meanwhile',
  },
  handler: async ({ params, principal }, tx) => {
    const intent = await findIntent(tx, principal, params.id);
    await refuseUnlessInCharge(tx.db, principal, intent.order_id);
    if (intent.status === 'cancelled') return { status: 200, body: await intentViewOf(tx, intent) };
    const to = transition(intent.status, 'cancel');
    if (!to.ok) throw conflict('payment-not-cancellable', to.error);
    return { status: 200, body: await intentViewOf(tx, await cancelPayment(tx, intent)) };
  },
});
