import type { Selectable } from 'kysely';
import { handlerFor, routeFor } from '@omnishop/kit';
import type { IntentStatus, PaymentMethod } from './domain/intent.js';

export interface PaymentTables {
  payment_intent: {
    id: string;
    tenant: string;
    order_id: string;
    /** The customer who created it (their token subject); null when staff did. */
    customer_id: string | null;
    amount: number;
    /** What refunds have given back so far; kept beside the amount so a refund is one conditional update. */
    refunded: number;
    currency: string;
    method: PaymentMethod;
    status: IntentStatus;
    provider_ref: string | null;
    created_at: string;
    updated_at: string;
  };
  /** Every wallet notification accepted, by the provider's notification id: a second one is a replay. */
  callback_seen: { tenant: string; notification_id: string; intent_id: string; received_at: string };
  refund: { id: string; tenant: string; intent_id: string; amount: number; reason: string; created_at: string };
}

export type IntentRow = Selectable<PaymentTables['payment_intent']>;

export const route = routeFor<PaymentTables>();
export const on = handlerFor<PaymentTables>();
