import { Type } from '@sinclair/typebox';
import { audit, badRequest, choice, decodeCursor, PageOf, PageQuery, toPage, type Role } from '@omnishop/kit';
import { createSubscription, replayParked, rotateSecret, subscriptionOf, unsubscribe } from '../commands.js';
import { route } from '../db.js';
import { ALL_EVENTS, endpointProblem } from '../domain/webhook.js';
import { subscribableEvents } from '../events/handlers.js';
import type { SubscribedBrands } from '../subscribed.js';
import { DeliveryView, deliveryView, SubscriptionView, subscriptionView, SubscriptionWithSecret } from '../views.js';

const ADMIN: Role[] = ['brand_admin'];
const READERS: Role[] = ['brand_admin', 'operator'];

const EventTypes = [ALL_EVENTS, ...subscribableEvents.map((e) => e.type)] as [string, ...string[]];
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const NOT_FOUND = { 404: 'no subscription with this id in your brand' } as const;

export const createSubscriptionRoute = (subscribed: SubscribedBrands) =>
  route({
    method: 'POST',
    url: '/subscriptions',
    summary: "Subscribe an endpoint of the brand's to event types; the answer shows the signing secret, once",
    roles: ADMIN,
    idempotent: true,
    body: Type.Object(
      {
        url: Type.String({ minLength: 8, maxLength: 2000, description: 'an http:// or https:// URL that takes a POST' }),
        eventTypes: Type.Array(choice(EventTypes), { minItems: 1, maxItems: EventTypes.length, description: `event types, or "${ALL_EVENTS}" for all of the brand's` }),
        description: Type.Optional(Type.String({ maxLength: 500 })),
      },
      { additionalProperties: false },
    ),
    response: { 201: SubscriptionWithSecret },
    handler: async ({ body, principal }, tx) => {
      const problem = endpointProblem(body.url);
      if (problem) throw badRequest('body.url', problem);
      const s = await createSubscription(tx, principal.tenant, body);
      await audit(tx.db, { action: 'webhook.subscribe', target: s.id, outcome: 'ok' });
      tx.afterCommit(() => subscribed.add(principal.tenant));
      return { status: 201, body: { ...(await subscriptionView(tx.db, s)), secret: s.secret }, headers: { location: `/api/webhooks/subscriptions/${s.id}` } };
    },
  });

export const listSubscriptions = route({
  method: 'GET',
  url: '/subscriptions',
  summary: "The brand's subscriptions, each with its backlog, lag and latest attempts",
  roles: READERS,
  query: Type.Object(PageQuery),
  response: { 200: PageOf(SubscriptionView) },
  handler: async ({ query }, tx) => {
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = tx.db.selectFrom('subscription').selectAll().orderBy('id').limit(query.limit + 1);
    if (after !== undefined) q = q.where('id', '>', after);
    const page = toPage(await q.execute(), query.limit, (s) => s.id);
    return { status: 200, body: { items: await Promise.all(page.items.map((s) => subscriptionView(tx.db, s))), nextCursor: page.nextCursor } };
  },
});

export const getSubscription = route({
  method: 'GET',
  url: '/subscriptions/:id',
  summary: 'A subscription: its backlog (pending, parked), lag and latest attempts',
  roles: READERS,
  params: Id,
  response: { 200: SubscriptionView },
  errors: NOT_FOUND,
  handler: async ({ params }, tx) => ({ status: 200, body: await subscriptionView(tx.db, await subscriptionOf(tx, params.id)) }),
});

export const listDeliveries = route({
  method: 'GET',
  url: '/subscriptions/:id/deliveries',
  summary: "A subscription's deliveries, newest first, optionally of one status",
  roles: READERS,
  params: Id,
  query: Type.Object({ ...PageQuery, status: Type.Optional(choice(['pending', 'delivered', 'parked'])) }),
  response: { 200: PageOf(DeliveryView) },
  errors: NOT_FOUND,
  handler: async ({ params, query }, tx) => {
    await subscriptionOf(tx, params.id);
    const before = decodeCursor<number>(query.cursor, 'number');
    let q = tx.db.selectFrom('delivery').selectAll().where('subscription_id', '=', params.id).orderBy('seq', 'desc').limit(query.limit + 1);
    if (query.status) q = q.where('status', '=', query.status);
    if (before !== undefined) q = q.where('seq', '<', before);
    const page = toPage(await q.execute(), query.limit, (d) => Number(d.seq));
    return { status: 200, body: { items: page.items.map(deliveryView), nextCursor: page.nextCursor } };
  },
});

export const rotateSecretRoute = route({
  method: 'POST',
  url: '/subscriptions/:id/rotate-secret',
  summary: 'A new signing secret, shown once; the old one may go on signing beside it for a while',
  roles: ADMIN,
  params: Id,
  body: Type.Object(
    { overlapSeconds: Type.Integer({ minimum: 0, maximum: 604_800, default: 0, description: 'how long deliveries carry a signature with the old secret too (0: none)' }) },
    { additionalProperties: false },
  ),
  response: { 200: SubscriptionWithSecret },
  errors: NOT_FOUND,
  handler: async ({ params, body }, tx) => {
    const s = await rotateSecret(tx, params.id, body.overlapSeconds);
    await audit(tx.db, { action: 'webhook.rotate-secret', target: s.id, outcome: 'ok' });
    return { status: 200, body: { ...(await subscriptionView(tx.db, s)), secret: s.secret } };
  },
});

export const replayRoute = route({
  method: 'POST',
  url: '/subscriptions/:id/replay',
  summary: "Send the subscription's parked deliveries again, from a first attempt, in their order",
  roles: READERS,
  params: Id,
  response: { 202: Type.Object({ replayed: Type.Integer({ description: 'parked deliveries now pending again' }) }, { title: 'WebhookReplay' }) },
  errors: NOT_FOUND,
  handler: async ({ params }, tx) => {
    const replayed = await replayParked(tx, params.id);
    await audit(tx.db, { action: 'webhook.replay', target: params.id, outcome: 'ok' });
    return { status: 202, body: { replayed } };
  },
});

export const deleteSubscription = route({
  method: 'DELETE',
  url: '/subscriptions/:id',
  summary: 'End a subscription: nothing more is sent to it, and its deliveries still owed are dropped',
  roles: ADMIN,
  params: Id,
  response: { 204: Type.Null() },
  errors: NOT_FOUND,
  handler: async ({ params }, tx) => {
    await unsubscribe(tx, params.id);
    await audit(tx.db, { action: 'webhook.unsubscribe', target: params.id, outcome: 'ok' });
    return { status: 204, body: null };
  },
});

export const webhookRoutes = (subscribed: SubscribedBrands) => [createSubscriptionRoute(subscribed), listSubscriptions, getSubscription, listDeliveries, rotateSecretRoute, replayRoute, deleteSubscription];
