import { Type, type Static } from '@sinclair/typebox';
import { choice, json, type Kysely } from '@omnishop/kit';
import type { AttemptRow, DeliveryRow, SubscriptionRow, WebhookTables } from './db.js';
import { lagSeconds } from './domain/webhook.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const AttemptView = Type.Object(
  {
    deliveryId: Type.String(),
    attempt: Type.Integer({ description: '1 for the first try of the delivery' }),
    at: Type.String(),
    statusCode: Nullable(Type.Integer({ description: "the endpoint's answer; null when there was none" })),
    error: Nullable(Type.String({ description: 'why it failed: the status, a timeout, a refused connection' })),
    durationMs: Type.Integer(),
  },
  { title: 'WebhookAttempt', description: 'One try of a delivery and what the endpoint answered' },
);

export const SubscriptionView = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    eventTypes: Type.Array(Type.String()),
    description: Nullable(Type.String()),
    createdAt: Type.String(),
    secretRotatedAt: Nullable(Type.String()),
    pending: Type.Integer({ description: 'deliveries not yet received, being retried or waiting behind another of their key' }),
    parked: Type.Integer({ description: 'deliveries that used up their attempts; replay them once the endpoint is fixed' }),
    delivered: Type.Integer(),
    lagSeconds: Type.Integer({ description: 'how long ago the oldest event not yet received happened; 0 when it is up to date' }),
    lastAttempts: Type.Array(AttemptView, { description: 'the latest attempts, newest first' }),
  },
  { title: 'WebhookSubscription', description: "A brand's endpoint, the events it takes, and how its deliveries stand" },
);

export const SubscriptionWithSecret = Type.Object(
  { ...SubscriptionView.properties, secret: Type.String({ description: 'the signing secret (Standard Webhooks `whsec_...`); shown only now: keep it' }) },
  { title: 'WebhookSubscriptionWithSecret', description: 'A subscription and its signing secret, shown once' },
);

export const DeliveryView = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String({ description: 'sent as `webhook-id`, the same on every attempt' }),
    eventType: Type.String(),
    key: Type.String({ description: "the event's key (an order id, say): one key's deliveries are sent in order" }),
    status: choice(['pending', 'delivered', 'parked']),
    attempts: Type.Integer(),
    nextAttemptAt: Type.String(),
    lastStatus: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    eventTime: Type.String(),
    deliveredAt: Nullable(Type.String()),
  },
  { title: 'WebhookDelivery', description: 'One event owed to a subscription, and how it stands' },
);

const attemptView = (a: AttemptRow): Static<typeof AttemptView> => ({
  deliveryId: a.delivery_id,
  attempt: a.attempt,
  at: a.at,
  statusCode: a.status_code,
  error: a.error,
  durationMs: a.duration_ms,
});

export const deliveryView = (d: DeliveryRow): Static<typeof DeliveryView> => ({
  id: d.id,
  eventId: d.event_id,
  eventType: d.event_type,
  key: d.key,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.next_attempt_at,
  lastStatus: d.last_status,
  lastError: d.last_error,
  eventTime: d.event_time,
  deliveredAt: d.delivered_at,
});

/** A subscription as its brand sees it: where it sends, and how far its deliveries have got. */
export async function subscriptionView(db: Kysely<WebhookTables>, s: SubscriptionRow): Promise<Static<typeof SubscriptionView>> {
  const counts = await db
    .selectFrom('delivery')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n'), eb.fn.min('event_time').as('oldest')])
    .where('subscription_id', '=', s.id)
    .groupBy('status')
    .execute();
  const count = (status: string) => Number(counts.find((c) => c.status === status)?.n ?? 0);
  const owed = counts.filter((c) => c.status !== 'delivered').map((c) => c.oldest as string);
  const attempts = await db.selectFrom('delivery_attempt').selectAll().where('subscription_id', '=', s.id).orderBy('seq', 'desc').limit(10).execute();
  return {
    id: s.id,
    url: s.url,
    eventTypes: json.read<string[]>(s.event_types),
    description: s.description,
    createdAt: s.created_at,
    secretRotatedAt: s.secret_rotated_at,
    pending: count('pending'),
    parked: count('parked'),
    delivered: count('delivered'),
    lagSeconds: lagSeconds(owed.sort()[0], new Date()),
    lastAttempts: attempts.map(attemptView),
  };
}
