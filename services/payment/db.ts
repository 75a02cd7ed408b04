import type { InChargeTables } from '@omnishop/in-charge';
import type { Selectable } from 'kysely';
import { handlerFor, routeFor, statement, type KitTables } from '@omnishop/kit';
import type { IntentStatus, PaymentMethod } from './domain/intent.js';

export interface PaymentTables extends KitTables, InChargeTables {
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
    /** Who gave it back (their subject); null for the saga's own refunds. */
    refunded_by: string | null;
    created_at: string;
  };
}

export type IntentRow = Selectable<PaymentTables['payment_intent']>;
export type RefundRow = Selectable<PaymentTables['refund']>;

export const route = routeFor<PaymentTables>();
export const on = handlerFor<PaymentTables>();
const prepare = <P extends Record<string, unknown>>() => statement<PaymentTables, P>();

/** The hot queries of taking a payment, compiled once (see statement). */
export const queries = {
  intent: prepare<{ id: string }>()((db, p) => db.selectFrom('payment_intent').selectAll().where('id', '=', p.id)),
  anyIntentOf: prepare<{ orderId: string }>()((db, p) => db.selectFrom('payment_intent').select('id').where('order_id', '=', p.orderId)),
  insertIntent: prepare<Omit<IntentRow, 'tenant'>>()((db, p) =>
    db.insertInto('payment_intent').values({
      id: p.id,
      tenant: p.tenant,
      order_id: p.order_id,
      customer_id: p.customer_id,
      amount: p.amount,
      refunded: p.refunded,
      currency: p.currency,
      method: p.method,
      status: p.status,
      provider_ref: p.provider_ref,
      notify_asked_at: p.notify_asked_at,
      created_at: p.created_at,
      updated_at: p.updated_at,
    }),
  ),
  seen: prepare<{ notificationId: string; intentId: string; at: string }>()((db, p) =>
    db
      .insertInto('callback_seen')
      .values({ tenant: p.tenant, notification_id: p.notificationId, intent_id: p.intentId, received_at: p.at })
      .onConflict((oc) => oc.columns(['tenant', 'notification_id']).doNothing()),
  ),
  /** At most once: only the update that finds the intent still created wins. */
  settle: prepare<{ id: string; status: IntentStatus; at: string }>()((db, p) =>
    db.updateTable('payment_intent').set({ status: p.status, updated_at: p.at }).where('id', '=', p.id).where('status', '=', 'created'),
  ),
};
