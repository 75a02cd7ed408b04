import { Type } from '@sinclair/typebox';
import { choice, type Tx } from '@omnishop/kit';
import { standing } from './domain/intent.js';
import type { IntentRow, PaymentTables, RefundRow } from './db.js';

/** What the payment service answers: the intent view once, its schema, and how rows become it. */

const Method = choice(['wallet', 'cash']);
const Status = choice(['created', 'captured', 'failed', 'partially_refunded', 'refunded', 'cancelled'], {
  description: 'partially_refunded: refunds gave back part of what was captured; refunded: all of it',
});

export const IntentView = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  amount: Type.Integer(),
  refunded: Type.Integer(),
  currency: Type.String(),
  method: Method,
  status: Status,
  providerRef: Type.Union([Type.String(), Type.Null()]),
  refunds: Type.Array(
    Type.Object({
      id: Type.String(),
      amount: Type.Integer(),
      reason: Type.String(),
      by: Type.Union([Type.String(), Type.Null()], { description: 'who gave it back; null for the saga (a cancelled order, a late capture)' }),
      at: Type.String(),
    }),
    { description: 'oldest first' },
  ),
  createdAt: Type.String(),
  updatedAt: Type.String(),
}, { title: 'PaymentIntent', description: 'A payment of an order: its status, and each refund (how much, when, why, by whom)' });

const refundView = (r: RefundRow) => ({ id: r.id, amount: Number(r.amount), reason: r.reason, by: r.refunded_by, at: r.created_at });

/** An intent as readers see it, with its refunds (oldest first). */
export const intentView = (r: IntentRow, refunds: RefundRow[]) => ({
  id: r.id,
  orderId: r.order_id,
  amount: Number(r.amount),
  refunded: Number(r.refunded),
  currency: r.currency,
  method: r.method,
  status: standing({ status: r.status, amount: Number(r.amount), refunded: Number(r.refunded) }),
  providerRef: r.provider_ref,
  refunds: refunds.map(refundView),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Intents as readers see them: each with its refunds, read in one query. */
export async function intentViews(tx: Tx<PaymentTables>, intents: IntentRow[]) {
  const ids = intents.map((i) => i.id);
  const refunds = ids.length ? await tx.db.selectFrom('refund').selectAll().where('intent_id', 'in', ids).orderBy('created_at').orderBy('id').execute() : [];
  return intents.map((i) => intentView(i, refunds.filter((r) => r.intent_id === i.id)));
}

export const intentViewOf = async (tx: Tx<PaymentTables>, intent: IntentRow) => (await intentViews(tx, [intent]))[0]!;
