import { Type } from '@sinclair/typebox';
import { choice, type Role } from '@omnishop/kit';
import type { IntentRow } from '../db.js';

export const OrderId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w.:-]+$', description: 'the order the payment is for' });
export const IntentId = Type.String({ format: 'uuid', description: 'the payment intent' });
/** A payment is of something: at least one fen, at most one million yuan (the kit's Money bound). */
export const Amount = Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'minor units (fen)' });
export const Method = choice(['wallet', 'cash']);
export const Status = choice(['created', 'captured', 'failed', 'partially_refunded', 'refunded', 'cancelled']);

/** Who follows or cancels a payment: the customer at the web checkout, and staff. */
export const PAYERS: Role[] = ['customer', 'clerk', 'store_manager', 'brand_admin'];
export const READERS: Role[] = [...PAYERS, 'operator'];
export const REFUNDERS: Role[] = ['store_manager', 'brand_admin'];

export const IntentView = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  amount: Type.Integer(),
  refunded: Type.Integer(),
  currency: Type.String(),
  method: Method,
  status: Status,
  providerRef: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const intentView = (r: IntentRow) => ({
  id: r.id,
  orderId: r.order_id,
  amount: Number(r.amount),
  refunded: Number(r.refunded),
  currency: r.currency,
  method: r.method,
  status: r.status,
  providerRef: r.provider_ref,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const SignedNotificationBody = Type.Object(
  {
    notificationId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w.:-]+$' }),
    tenant: Type.String({ minLength: 1, maxLength: 100 }),
    intentId: Type.String({ minLength: 1, maxLength: 100 }),
    providerRef: Type.String({ minLength: 1, maxLength: 100 }),
    outcome: choice(['success', 'failure']),
    amount: Type.Integer({ minimum: 0 }),
    currency: Type.String({ minLength: 1, maxLength: 10 }),
    timestamp: Type.String({ minLength: 1, maxLength: 40 }),
    signature: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
