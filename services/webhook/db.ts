import type { Generated, Selectable } from 'kysely';
import { handlerFor, routeFor, type KitTables } from '@omnishop/kit';
import type { DeliveryStatus } from './domain/webhook.js';

export interface WebhookTables extends KitTables {
  /** A brand's endpoint and the event types it takes. */
  subscription: {
    tenant: string;
    id: string;
    url: string;
    /** JSON array of event types, or ["*"]. */
    event_types: string;
    description: string | null;
    secret: string;
    /** The secret before the last rotation, still signing until previous_until. */
    previous_secret: string | null;
    previous_until: string | null;
    created_at: string;
    secret_rotated_at: string | null;
  };
  /** One event owed to one subscription. */
  delivery: {
    /** Event order across the service: deliveries of a key go out in this order. */
    seq: Generated<number>;
    tenant: string;
    id: string;
    subscription_id: string;
    event_id: string;
    event_type: string;
    key: string;
    /** The body sent, as signed. */
    payload: string;
    status: DeliveryStatus;
    attempts: number;
    next_attempt_at: string;
    /** Someone is sending it until then (a replica's claim); null when no one is. */
    leased_until: string | null;
    last_status: number | null;
    last_error: string | null;
    /** When the event happened: how far behind a subscription is. */
    event_time: string;
    delivered_at: string | null;
  };
  /** Each try of a delivery, kept for the brand to see what its endpoint answered. */
  delivery_attempt: {
    seq: Generated<number>;
    tenant: string;
    delivery_id: string;
    subscription_id: string;
    attempt: number;
    at: string;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
  };
}

export type SubscriptionRow = Selectable<WebhookTables['subscription']>;
export type DeliveryRow = Selectable<WebhookTables['delivery']>;
export type AttemptRow = Selectable<WebhookTables['delivery_attempt']>;

export const route = routeFor<WebhookTables>();
export const on = handlerFor<WebhookTables>();
