import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { audit, conflict, forbidden, Name, notFound, Problem, unprocessable, type Principal, type Tx } from '@omnishop/kit';
import { planRefund, refundable, transition } from '../domain/intent.js';
import { route, type IntentRow, type PaymentTables } from '../db.js';
import { PaymentCancelled, PaymentCaptured, PaymentRefunded } from '../events/index.js';
import type { SimulatedWalletProvider } from '../provider/wallet-provider.js';
import { Amount, CreateIntentBody, IntentId, IntentView, intentView, PAYERS, POS, READERS, REFUNDERS } from './schemas.js';

/** One intent of the caller's brand; a customer sees only their own, and anyone else's does not exist. */
async function findIntent(tx: Tx<PaymentTables>, principal: Principal, id: string): Promise<IntentRow> {
  const row = await tx.db.selectFrom('payment_intent').selectAll().where('tenant', '=', principal.tenant).where('id', '=', id).executeTakeFirst();
  if (!row || (principal.role === 'customer' && row.customer_id !== principal.subject)) throw notFound('payment intent', id);
  return row;
}

const isUniqueViolation = (e: unknown): boolean => ['SQLITE_CONSTRAINT_UNIQUE', '23505'].includes((e as { code?: string }).code ?? '');

const orderBeingPaid = (orderId: string) =>
  conflict('order-already-paid', `order ${orderId} already has a payment that is pending or captured; cancel it, or let it fail, before paying again`);

export const createIntent = (provider: SimulatedWalletProvider) =>
  route({
    method: 'POST',
    url: '/intents',
    summary: 'Pay for an order: by mobile wallet (created; the provider calls back with the outcome) or in cash at the till (captured at once)',
    roles: PAYERS,
    idempotent: true,
    body: CreateIntentBody,
    response: { 201: IntentView },
    handler: async ({ body, principal }, tx) => {
      if (body.method === 'cash' && !POS.includes(principal.role)) throw forbidden(`cash is taken at the till: by a clerk or store manager, not a ${principal.role}`);
      const tenant = principal.tenant;
      const live = await tx.db
        .selectFrom('payment_intent')
        .select('id')
        .where('tenant', '=', tenant)
        .where('order_id', '=', body.orderId)
        .where('status', 'in', ['created', 'captured', 'refunded'])
        .executeTakeFirst();
      if (live) throw orderBeingPaid(body.orderId);
      const id = randomUUID();
      const now = new Date().toISOString();
      const currency = body.currency ?? 'CNY';
      const cash = body.method === 'cash';
      const row: IntentRow = {
        id,
        tenant,
        order_id: body.orderId,
        customer_id: principal.role === 'customer' ? principal.subject : null,
        amount: body.amount,
        refunded: 0,
        currency,
        method: body.method,
        status: cash ? 'captured' : 'created',
        provider_ref: cash ? null : provider.charge({ tenant, intentId: id, amount: body.amount, currency }),
        created_at: now,
        updated_at: now,
      };
      try {
        await tx.db.insertInto('payment_intent').values(row).execute();
      } catch (e) {
        // Two intents for one order at once: the partial unique index lets one through.
        if (isUniqueViolation(e)) throw orderBeingPaid(body.orderId);
        throw e;
      }
      if (cash) {
        tx.emit(PaymentCaptured, body.orderId, { intentId: id, orderId: body.orderId, amount: body.amount, currency, method: 'cash', providerRef: null, capturedAt: now });
      }
      return { status: 201, body: intentView(row), headers: { location: `/api/payments/intents/${id}` } };
    },
  });

export const getIntent = route({
  method: 'GET',
  url: '/intents/:id',
  summary: 'A payment intent: its status, and what was refunded',
  roles: READERS,
  params: Type.Object({ id: IntentId }),
  response: { 200: IntentView },
  handler: async ({ params, principal }, tx) => ({ status: 200, body: intentView(await findIntent(tx, principal, params.id)) }),
});

const RefundView = Type.Object({ id: Type.String(), amount: Type.Integer(), reason: Type.String(), createdAt: Type.String(), intent: IntentView });

export const refundIntent = route({
  method: 'POST',
  url: '/intents/:id/refund',
  summary: 'Give back part or all of a captured payment; refunds together never pass the captured amount',
  roles: REFUNDERS,
  idempotent: true,
  params: Type.Object({ id: IntentId }),
  body: Type.Object({ amount: Amount, reason: Name }, { additionalProperties: false }),
  response: { 201: RefundView },
  handler: async ({ params, body, principal }, tx) => {
    const intent = await findIntent(tx, principal, params.id);
    const current = { status: intent.status, amount: Number(intent.amount), refunded: Number(intent.refunded) };
    const plan = planRefund(current, body.amount);
    if (!plan.ok && plan.error === 'not_captured') throw conflict('payment-not-captured', `payment ${intent.id} is ${intent.status}; only a captured payment can be refunded`);
    if (!plan.ok) throw unprocessable('body.amount', `must be at most ${refundable(current)}, what is left of the captured ${current.amount}`);
    const now = new Date().toISOString();
    // Conditional on what was read: a concurrent refund cannot push the total past the amount.
    const moved = await tx.db
      .updateTable('payment_intent')
      .set({ status: plan.value.status, refunded: plan.value.refunded, updated_at: now })
      .where('tenant', '=', intent.tenant)
      .where('id', '=', intent.id)
      .where('status', '=', intent.status)
      .where('refunded', '=', intent.refunded)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw conflict('payment-changed', `payment ${intent.id} was refunded meanwhile; look again and retry`);
    const refundId = randomUUID();
    await tx.db.insertInto('refund').values({ id: refundId, tenant: intent.tenant, intent_id: intent.id, amount: body.amount, reason: body.reason, created_at: now }).execute();
    tx.emit(PaymentRefunded, intent.order_id, {
      intentId: intent.id,
      orderId: intent.order_id,
      amount: body.amount,
      currency: intent.currency,
      refundId,
      refundedTotal: plan.value.refunded,
      reason: body.reason,
    });
    await audit(tx.db, { action: 'payment.refund', target: `${intent.id}: ${body.amount} ${intent.currency}, refund ${refundId}` });
    const updated = { ...intent, status: plan.value.status, refunded: plan.value.refunded, updated_at: now };
    return { status: 201, body: { id: refundId, amount: body.amount, reason: body.reason, createdAt: now, intent: intentView(updated) } };
  },
});

export const cancelIntent = route({
  method: 'POST',
  url: '/intents/:id/cancel',
  summary: 'Cancel a payment before anything is captured; cancelling a cancelled one changes nothing',
  roles: PAYERS,
  params: Type.Object({ id: IntentId }),
  response: { 200: IntentView },
  handler: async ({ params, principal }, tx) => {
    const intent = await findIntent(tx, principal, params.id);
    if (intent.status === 'cancelled') return { status: 200, body: intentView(intent) };
    const to = transition(intent.status, 'cancel');
    if (!to.ok) throw conflict('payment-not-cancellable', to.error);
    const now = new Date().toISOString();
    const moved = await tx.db
      .updateTable('payment_intent')
      .set({ status: to.value, updated_at: now })
      .where('tenant', '=', intent.tenant)
      .where('id', '=', intent.id)
      .where('status', '=', 'created')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw new Problem(409, 'payment-changed', 'Conflict', { detail: `payment ${intent.id} was settled meanwhile; look again` });
    tx.emit(PaymentCancelled, intent.order_id, { intentId: intent.id, orderId: intent.order_id, amount: Number(intent.amount), currency: intent.currency });
    return { status: 200, body: intentView({ ...intent, status: to.value, updated_at: now }) };
  },
});
