import { Type } from '@sinclair/typebox';
import { choice, conflict, forbidden, notFound, type Principal, type Role, type Tx } from '@omnishop/kit';
import { book, claim, confirmReceipt, giveBack, takeStep, type StoreStep } from '../commands.js';
import { queries, route, type FulfilmentRow, type FulfilmentTables } from '../db.js';
import { mayWorkOn } from '../domain/fulfilment.js';

type T = FulfilmentTables;

const STORE_STAFF: Role[] = ['clerk', 'store_manager'];
const READERS: Role[] = ['customer', 'clerk', 'store_manager', 'brand_admin', 'operator'];

const OrderId = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'order id' }) });

const FulfilmentView = Type.Object({
  orderId: Type.String(),
  status: Type.String(),
  mode: Type.Union([choice(['ship', 'collect']), Type.Null()]),
  claimedBy: Type.Union([Type.String(), Type.Null()]),
  carrier: Type.Union([Type.String(), Type.Null()]),
  tracking: Type.Union([Type.String(), Type.Null()]),
  round: Type.Integer(),
  offeredTo: Type.Array(Type.String()),
  offeredAt: Type.String(),
  updatedAt: Type.String(),
}, { title: 'Fulfilment', description: "An order's fulfilment: its status, the claiming store, tracking, and who it is offered to" });

const STEP_ERRORS = {
  403: 'the token names no store, or another store holds the order',
  404: 'no fulfilment of this order',
  409: 'the order is not at a stage where this step can be taken (the answer says what comes first), or it changed meanwhile',
};

async function view(tx: Tx<T>, f: FulfilmentRow) {
  const offers = await queries.offeredIn.all(tx.db, { tenant: f.tenant, orderId: f.order_id, round: f.round });
  return {
    orderId: f.order_id,
    status: f.status,
    mode: f.mode,
    claimedBy: f.claimed_by,
    carrier: f.carrier,
    tracking: f.tracking,
    round: Number(f.round),
    offeredTo: f.status === 'offered' ? offers.map((o) => o.location) : [],
    offeredAt: f.offered_at,
    updatedAt: f.updated_at,
  };
}

const load = (tx: Tx<T>, tenant: string, orderId: string) =>
  tx.db.selectFrom('fulfilment').selectAll().where('tenant', '=', tenant).where('order_id', '=', orderId).executeTakeFirst();

const ownerOf = async (tx: Tx<T>, tenant: string, orderId: string) =>
  (await tx.db.selectFrom('order_ref').select('customer_id').where('tenant', '=', tenant).where('order_id', '=', orderId).executeTakeFirst())?.customer_id;

/** The fulfilment as the caller may see it: 404 if there is none in their brand, or a customer does not own the order. */
async function visible(tx: Tx<T>, principal: Principal, orderId: string): Promise<FulfilmentRow> {
  const f = await load(tx, principal.tenant, orderId);
  if (!f) throw notFound('fulfilment of order', orderId);
  if (principal.role === 'customer' && (await ownerOf(tx, principal.tenant, orderId)) !== principal.subject) throw notFound('fulfilment of order', orderId);
  return f;
}

const storeOf = (principal: Principal): string => {
  if (!principal.store) throw forbidden('store staff act for the store on their token, and this token names none');
  return principal.store;
};

export const listOffers = route({
  method: 'GET',
  url: '/offers',
  summary: "Orders offered to the caller's store and not yet claimed, oldest offer first",
  roles: STORE_STAFF,
  query: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
  response: {
    200: Type.Object(
      { store: Type.String(), items: Type.Array(Type.Object({ orderId: Type.String(), round: Type.Integer(), offeredAt: Type.String() })) },
      { title: 'Offers', description: "Orders offered to the caller's store, oldest offer first" },
    ),
  },
  errors: { 403: 'the token names no store' },
  handler: async ({ principal, query }, tx) => {
    const store = storeOf(principal);
    const rows = await tx.db
      .selectFrom('offer')
      .innerJoin('fulfilment', (j) =>
        j.onRef('fulfilment.tenant', '=', 'offer.tenant').onRef('fulfilment.order_id', '=', 'offer.order_id').onRef('fulfilment.round', '=', 'offer.round'),
      )
      .select(['fulfilment.order_id', 'fulfilment.round', 'fulfilment.offered_at'])
      .where('offer.tenant', '=', principal.tenant)
      .where('offer.location', '=', store)
      .where('fulfilment.status', '=', 'offered')
      .orderBy('fulfilment.offered_at')
      .limit(query.limit)
      .execute();
    return { status: 200, body: { store, items: rows.map((r) => ({ orderId: r.order_id, round: Number(r.round), offeredAt: r.offered_at })) } };
  },
});

export const getFulfilment = route({
  method: 'GET',
  url: '/orders/:orderId',
  summary: "An order's fulfilment: status, claiming store, tracking, and who it is offered to",
  roles: READERS,
  params: OrderId,
  response: { 200: FulfilmentView },
  errors: { 404: "no fulfilment of this order (or, to a customer, of someone else's)" },
  handler: async ({ params, principal }, tx) => ({ status: 200, body: await view(tx, await visible(tx, principal, params.orderId)) }),
});

export const claimOrder = route({
  method: 'POST',
  url: '/orders/:orderId/claim',
  summary: "Claim an order offered to the caller's store; the first valid claim wins, later ones get 409 (the winner's repeat gets the same success)",
  roles: STORE_STAFF,
  params: OrderId,
  response: { 200: FulfilmentView },
  errors: {
    403: "the token names no store, or the order is not offered to the caller's store",
    404: 'no fulfilment of this order',
    409: 'another store claimed it first, or it is past being offered',
  },
  handler: async ({ params, principal }, tx) => {
    const store = storeOf(principal);
    const f = await visible(tx, principal, params.orderId);
    const claimed = await claim(tx, f, store);
    if (!claimed.ok) {
      throw claimed.error.kind === 'taken' ? conflict('already-claimed', `order ${f.order_id} ${claimed.error.reason}`) : forbidden(`order ${f.order_id} is not offered to ${store}`);
    }
    return { status: 200, body: await view(tx, claimed.value) };
  },
});

/** A step only the claiming store may take. */
async function claimedByCaller(tx: Tx<T>, principal: Principal, orderId: string): Promise<{ f: FulfilmentRow; store: string }> {
  const store = storeOf(principal);
  const f = await visible(tx, principal, orderId);
  if (!mayWorkOn(f.claimed_by, store)) throw forbidden(`order ${f.order_id} is held by ${f.claimed_by}, not ${store}`);
  return { f, store };
}

export const giveBackOrder = route({
  method: 'POST',
  url: '/orders/:orderId/give-back',
  summary: 'The claiming store gives an order back; it is offered again in the next round',
  roles: STORE_STAFF,
  params: OrderId,
  response: { 200: FulfilmentView },
  errors: STEP_ERRORS,
  handler: async ({ params, principal }, tx) => {
    const { f, store } = await claimedByCaller(tx, principal, params.orderId);
    return { status: 200, body: await view(tx, await giveBack(tx, f, store)) };
  },
});

export const bookShipment = route({
  method: 'POST',
  url: '/orders/:orderId/book',
  summary: 'The claiming store books a courier, with its tracking number (the order will be shipped)',
  roles: STORE_STAFF,
  params: OrderId,
  body: Type.Object(
    {
      carrier: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9 _.-]*$', description: 'courier name, e.g. SF' }),
      tracking: Type.String({ minLength: 6, maxLength: 40, pattern: '^[A-Za-z0-9-]+$', description: 'tracking number' }),
    },
    { additionalProperties: false },
  ),
  response: { 200: FulfilmentView },
  errors: STEP_ERRORS,
  handler: async ({ params, principal, body }, tx) => {
    const { f, store } = await claimedByCaller(tx, principal, params.orderId);
    return { status: 200, body: await view(tx, await book(tx, f, store, { carrier: body.carrier, tracking: body.tracking })) };
  },
});

/** A step the claiming store takes, with nothing to say but that it happened. */
const storeStep = (step: StoreStep, url: string, summary: string) =>
  route({
    method: 'POST',
    url,
    summary,
    roles: STORE_STAFF,
    params: OrderId,
    response: { 200: FulfilmentView },
    errors: STEP_ERRORS,
    handler: async ({ params, principal }, tx) => {
      const { f, store } = await claimedByCaller(tx, principal, params.orderId);
      return { status: 200, body: await view(tx, await takeStep(tx, f, store, step)) };
    },
  });

export const markShipped = storeStep('ship', '/orders/:orderId/ship', 'The claiming store hands a booked order to the courier');

export const markReady = storeStep('ready', '/orders/:orderId/ready', 'Click & collect: the claiming store has the order ready for the customer');

export const markCollected = storeStep('collect', '/orders/:orderId/collected', 'Click & collect: the customer collected the order at the claiming store');

export const confirmReceived = route({
  method: 'POST',
  url: '/orders/:orderId/received',
  summary: 'The customer who placed the order confirms they received it',
  roles: ['customer'],
  params: OrderId,
  response: { 200: FulfilmentView },
  errors: { 404: "no fulfilment of this order, or not the caller's", 409: 'the order is not shipped yet, or changed meanwhile' },
  handler: async ({ params, principal }, tx) => {
    const f = await visible(tx, principal, params.orderId);
    return { status: 200, body: await view(tx, await confirmReceipt(tx, f, principal.subject)) };
  },
});

export const fulfilmentRoutes = [listOffers, getFulfilment, claimOrder, giveBackOrder, bookShipment, markShipped, markReady, markCollected, confirmReceived];
