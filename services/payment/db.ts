import type { Selectable } from 'kysely';
import { handlerFor, routeFor } from '@omnishop/kit';
import type { IntentStatus, PaymentMethod } from './domain/intent.js';

export interface PaymentTables {
  payment_intent: {
    id: string;
    tenant: string;
    order_id: string;
    /** The order's customer (their token subject), who may see it; null for a walk-in customer at the till. */
    customer_id: string | null;
    amount: number;
    /** What refunds have given back so far; kept beside the amount so a refund is one conditional update. */
    refunded: number;
    currency: string;
    method: PaymentMethod;
    status: IntentStatus;
    provider_ref: string | null;
    /** A wallet intent: when the provider was last asked to charge or to notify again; null for cash. */
    notify_asked_at: string | null;
    created_at: string;
    updated_at: string;
  };
  /** Every wallet notification accepted, by the provider's notification id: a second one is a replay. */
  callback_seen: { tenant: string; notification_id: string; intent_id: string; received_at: string };
  refund: {
    id: string;
    tenant: string;
    intent_id: string;
    amount: number;
    reason: string;
    /** What the refund is for, when at most one refund may be (`return:<returnId>`, `order-cancelled`); null for a manual refund. Unique per tenant. */
    refund_key: string | null;
    created_at: string;
  };
}

export type IntentRow = Selectable<PaymentTables['payment_intent']>;
export type RefundRow = Selectable<PaymentTables['refund']>;

export const route = routeFor<PaymentTables>();
export const on = handlerFor<PaymentTables>();
