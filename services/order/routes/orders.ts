import { randomUUID } from 'node:crypto';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { audit, badRequest, choice, conflict, decodeCursor, forbidden, notFound, PageOf, PageQuery, SkuCode, toPage, unprocessable, type Principal, type Role, type Tx } from '@omnishop/kit';
import { refuseUnlessInCharge } from '@omnishop/in-charge';
import { linePrices } from '@omnishop/pricing';
import { requireOpenLocation } from '@omnishop/store-register';
import { advance, loadOrder, OrderChanged, queries, route, type OrderTables, type OrderView, type PaymentMethod, type SagaOptions } from '../db.js';
import { usableCoupon } from '../domain/coupons.js';
import { planReturn, TILL_CHANNEL, WALK_IN_CUSTOMER, type SagaInput } from '../domain/order.js';
import { OrderPlaced, OrderReturned } from '../contract.js';

const Status = choice(['pending', 'awaiting_payment', 'confirmed', 'rejected', 'cancelled', 'completed', 'returned'], { title: 'OrderStatus' });
const PaymentMethod = choice(['wallet', 'cash']);
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const OrderView = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  channel: Type.String(),
  store: Nullable(Type.String()),
  status: Status,
  reason: Nullable(Type.String()),
  subtotal: Type.Integer({ description: 'before coupons' }),
  discount: Type.Integer(),
  total: Type.Integer({ description: 'what is due: the subtotal less coupons' }),
  currency: Type.String(),
  paymentMethod: PaymentMethod,
  lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer(), unitPrice: Type.Integer(), discount: Type.Integer(), returnedQty: Type.Integer() })),
  coupons: Type.Array(Type.Object({ code: Type.String(), discount: Nullable(Type.Integer()), refusal: Nullable(Type.String({ description: 'why promotion refused it, when it rejected the order' })) })),
  history: Type.Array(Type.Object({ status: Status, reason: Nullable(Type.String()), at: Type.String() })),
  returns: Type.Array(
    Type.Object({ id: Type.String(), location: Type.String(), lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer() })), amount: Type.Integer(), reason: Type.String(), at: Type.String() }),
  ),
  createdAt: Type.String(),
  updatedAt: Type.String(),
}, { title: 'Order', description: 'An order with its lines, coupons, status history and returns' });

const OrderId = Type.Object({ id: Type.String({ format: 'uuid' }) });

const BUYERS: Role[] = ['customer', 'clerk', 'store_manager', 'brand_admin'];
const STAFF: Role[] = ['clerk', 'store_manager', 'brand_admin', 'operator'];
const TILL: Role[] = ['clerk', 'store_manager'];

/** A coupon or a line refused at once, before anything is held or redeemed. */
const PLACING_ERRORS = {
  422: "a line names a SKU without a price, or a coupon is not the brand's, not the customer's, or used",
};

const Lines = Type.Array(Type.Object({ sku: SkuCode, qty: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 50 });
const Coupons = Type.Array(Type.String({ pattern: '^[2-9A-HJ-NP-Z]{12}$', description: 'coupon code' }), { maxItems: 10, uniqueItems: true, default: [] });

/** A customer sees only their own orders; staff see every order of their brand. Someone else's order is simply not found. */
async function visibleOrder(db: Kysely<OrderTables>, principal: Principal, id: string) {
  const order = await loadOrder(db, principal.tenant, id);
  if (!order || (principal.role === 'customer' && order.customerId !== principal.subject)) throw notFound('order', id);
  return order;
}

interface NewOrder {
  customerId: string;
  channel: string;
  lines: Static<typeof Lines>;
  coupons: string[];
  paymentMethod: PaymentMethod;
  store: string | null;
}

/**
 * A coupon the brand never issued, someone else's, or one already used is
 * refused at once (422 naming it), from this service's copy of the coupons;
 * the saga's redemption still decides the rest, and any race for one coupon.
 */
async function refuseUnusableCoupons(db: Kysely<OrderTables>, tenant: string, o: Pick<NewOrder, 'coupons' | 'customerId'>): Promise<void> {
  for (const [i, code] of o.coupons.entries()) {
    const known = await queries.coupon.first(db, { tenant, code });
    const usable = usableCoupon(known && { customerId: known.customer_id, redeemedOrder: known.redeemed_order }, o.customerId);
    if (!usable.ok) throw unprocessable(`body.coupons.${i}`, usable.error);
  }
}

/**
 * Writes a new order, priced from this service's copy of the catalogue (the
 * same line rules promotion prices carts by), and emits OrderPlaced: the
 * saga's first step. Stock and coupons are settled by the answers to it.
 */
async function place(tx: Tx<OrderTables>, tenant: string, o: NewOrder) {
  await refuseUnusableCoupons(tx.db, tenant, o);
  const prices = new Map<string, { price: number; currency: string }>();
  for (const sku of new Set(o.lines.map((l) => l.sku))) {
    const price = await queries.price.first(tx.db, { tenant, sku });
    if (price) prices.set(sku, price);
  }
  const priced = linePrices(o.lines, (sku) => prices.get(sku));
  if (!priced.ok) throw unprocessable(`body.lines.${priced.error.index}.sku`, priced.error.message);
  const { lines, currency } = priced.value;
  const subtotal = lines.reduce((sum, l) => sum + l.unitPrice * l.qty, 0);
  const id = randomUUID();
  const now = new Date().toISOString();
  const order = {
    id,
    customer_id: o.customerId,
    channel: o.channel,
    status: 'pending' as const,
    subtotal,
    discount: 0,
    total: subtotal,
    currency,
    payment_method: o.paymentMethod,
    store: o.store,
    stock_held: 0,
    // No coupons: nothing to wait for from promotion.
    coupons_settled: o.coupons.length ? 0 : 1,
    payment_due_by: null,
    reason: null,
    created_at: now,
    updated_at: now,
  };
  await queries.insertOrder.run(tx.db, { tenant, ...order });
  for (const [i, l] of lines.entries()) {
    await queries.insertLine.run(tx.db, { tenant, order_id: id, line_no: i + 1, sku: l.sku, qty: l.qty, unit_price: l.unitPrice, discount: 0, returned_qty: 0 });
  }
  for (const code of o.coupons) await queries.insertCoupon.run(tx.db, { tenant, order_id: id, code });
  await queries.insertHistory.run(tx.db, { tenant, order_id: id, status: 'pending', reason: null, at: now });
  tx.emit(OrderPlaced, id, {
    orderId: id,
    customerId: o.customerId,
    channel: o.channel,
    lines,
    total: subtotal,
    currency,
    paymentMethod: o.paymentMethod,
    ...(o.coupons.length ? { coupons: o.coupons } : {}),
    ...(o.store ? { store: o.store } : {}),
  });
  // What was just written, as loadOrder would read it back.
  const view: OrderView = {
    id,
    customerId: o.customerId,
    channel: o.channel,
    store: o.store,
    status: 'pending',
    reason: null,
    subtotal,
    discount: 0,
    total: subtotal,
    currency,
    paymentMethod: o.paymentMethod,
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: l.unitPrice, discount: 0, returnedQty: 0 })),
    coupons: [...o.coupons].sort().map((code) => ({ code, discount: null, refusal: null })),
    history: [{ status: 'pending', reason: null, at: now }],
    returns: [],
    createdAt: now,
    updatedAt: now,
  };
  return { status: 201, body: view, headers: { location: `/api/orders/${id}` } };
}

export const placeOrder = route({
  method: 'POST',
  url: '/',
  summary: 'Place an online order, paid by mobile wallet: stock is held, coupons redeemed, then the payment asked for (watch its status)',
  roles: BUYERS,
  idempotent: true,
  body: Type.Object(
    {
      lines: Lines,
      coupons: Coupons,
      channel: Type.Optional(choice(['online', 'app', 'marketplace'])),
    },
    { additionalProperties: false },
  ),
  response: { 201: OrderView },
  errors: PLACING_ERRORS,
  handler: async ({ body, principal }, tx) =>
    place(tx, principal.tenant, { customerId: principal.subject, channel: body.channel ?? 'online', lines: body.lines, coupons: body.coupons, paymentMethod: 'wallet', store: null }),
});

export const recordSale = route({
  method: 'POST',
  url: '/sales',
  summary: "Ring up a sale at the till: takes the clerk's store's stock, redeems coupons, takes cash or the customer's wallet; handed over once paid",
  roles: TILL,
  idempotent: true,
  body: Type.Object(
    {
      lines: Lines,
      customerId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'the member buying; absent for a walk-in customer' })),
      coupons: Coupons,
      paymentMethod: PaymentMethod,
    },
    { additionalProperties: false },
  ),
  response: { 201: OrderView },
  errors: {
    403: 'the token names no store',
    422: `${PLACING_ERRORS[422]}; or coupons are named without a customer, or the customer is not a member`,
  },
  handler: async ({ body, principal }, tx) => {
    if (!principal.store) throw forbidden('a till sale needs a token of a store (its store claim)');
    if (body.coupons.length && !body.customerId) throw unprocessable('body.customerId', 'is required when coupons are redeemed: a coupon belongs to a customer');
    if (body.customerId && !(await queries.member.first(tx.db, { tenant: principal.tenant, customerId: body.customerId }))) {
      throw unprocessable('body.customerId', 'is not a member of this brand (a customer joins with PUT /api/customers/me, or with a first online order)');
    }
    return place(tx, principal.tenant, {
      customerId: body.customerId ?? WALK_IN_CUSTOMER,
      channel: TILL_CHANNEL,
      lines: body.lines,
      coupons: body.coupons,
      paymentMethod: body.paymentMethod,
      store: principal.store,
    });
  },
});

export const getOrder = route({
  method: 'GET',
  url: '/:id',
  summary: 'An order with its lines and status history',
  roles: [...BUYERS, 'operator'],
  params: OrderId,
  response: { 200: OrderView },
  errors: { 404: "no such order (or, to a customer, someone else's)" },
  handler: async ({ params, principal }, tx) => ({ status: 200, body: await visibleOrder(tx.db, principal, params.id) }),
});

export const listOrders = route({
  method: 'GET',
  url: '/',
  summary: "Orders, newest first: a customer's own, or all of the brand's for staff",
  roles: [...BUYERS, 'operator'],
  query: Type.Object({ ...PageQuery, status: Type.Optional(Status) }),
  response: { 200: PageOf(Type.Omit(OrderView, ['lines', 'coupons', 'history', 'returns'], { title: 'OrderSummary', description: 'An order without its lines, coupons, history and returns' })) },
  handler: async ({ query, principal }, tx) => {
    const before = decodeCursor<number>(query.cursor, 'number');
    let q = tx.db.selectFrom('orders').selectAll().where('tenant', '=', principal.tenant).orderBy('seq', 'desc').limit(query.limit + 1);
    if (principal.role === 'customer') q = q.where('customer_id', '=', principal.subject);
    if (query.status) q = q.where('status', '=', query.status);
    if (before !== undefined) q = q.where('seq', '<', before);
    const rows = await q.execute();
    const page = toPage(rows, query.limit, (r) => r.seq);
    return {
      status: 200,
      body: {
        items: page.items.map((o) => ({
          id: o.id,
          customerId: o.customer_id,
          channel: o.channel,
          store: o.store,
          status: o.status,
          reason: o.reason,
          subtotal: Number(o.subtotal),
          discount: Number(o.discount),
          total: Number(o.total),
          currency: o.currency,
          paymentMethod: o.payment_method,
          createdAt: o.created_at,
          updatedAt: o.updated_at,
        })),
        nextCursor: page.nextCursor,
      },
    };
  },
});

const commandRoute = (input: (principal: Principal) => SagaInput, url: string, summary: string, roles: Role[]) => (opts: SagaOptions) =>
  route({
    method: 'POST',
    url,
    summary,
    roles,
    params: OrderId,
    response: { 200: OrderView },
    errors: {
      403: 'store staff of a store not in charge of the order (at this stage)',
      404: "no such order (or, to a customer, someone else's)",
      409: 'the order is past this step, or changed meanwhile',
    },
    handler: async ({ params, principal }, tx) => {
      const order = await visibleOrder(tx.db, principal, params.id);
      await refuseUnlessInCharge(tx.db, principal, order.id, order.store);
      const moved = await advance(tx, principal.tenant, params.id, input(principal), opts).catch((e: unknown) => {
        throw e instanceof OrderChanged ? conflict('order-changed', e.message) : e;
      });
      if (!moved.ok) throw conflict('invalid-transition', moved.error);
      return { status: 200, body: await visibleOrder(tx.db, principal, params.id) };
    },
  });

export const cancelOrder = commandRoute(
  (p) => ({ kind: 'cancel', reason: `cancelled by ${p.role}`, byCustomer: p.role === 'customer' }),
  '/:id/cancel',
  'Cancel an order not yet handed over (a customer: only before it is paid): its stock and coupons are given back, its payment cancelled or refunded',
  [...BUYERS],
);
export const completeOrder = commandRoute(() => ({ kind: 'hand_over' }), '/:id/complete', 'Mark a paid order handed over; its held stock is sold', STAFF);

export const returnOrder = route({
  method: 'POST',
  url: '/:id/returns',
  summary: 'Take back goods of a completed order at a store: the stock is received there, their share of the payment refunded and the points they earned reversed',
  roles: ['clerk', 'store_manager', 'brand_admin'],
  idempotent: true,
  params: OrderId,
  body: Type.Object(
    {
      lines: Lines,
      reason: Type.String({ minLength: 1, maxLength: 200 }),
      location: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'where the goods came back; store staff: their own store (the default)' })),
    },
    { additionalProperties: false },
  ),
  response: { 201: OrderView },
  errors: {
    400: 'no location is named, and the token names no store',
    403: 'store staff take returns at their own store only',
    404: 'no such order',
    409: 'the order is not completed, or had goods returned meanwhile',
    422: 'the location is not an open store, or a line is not in the order or more than is left to return',
  },
  handler: async ({ params, body, principal }, tx) => {
    const tenant = principal.tenant;
    const now = new Date().toISOString();
    // Returns of one order take turns (the write locks its row on PostgreSQL), so each sees what the last took back.
    await tx.db.updateTable('orders').set({ updated_at: now }).where('tenant', '=', tenant).where('id', '=', params.id).where('status', '=', 'completed').execute();
    const order = await visibleOrder(tx.db, principal, params.id);
    const location = body.location ?? principal.store;
    if (!location) throw badRequest('body.location', 'is required: where did the goods come back?');
    if (principal.store && location !== principal.store) throw forbidden(`store staff take returns at their own store, ${principal.store}`);
    await requireOpenLocation(tx.db, body.location ? 'body.location' : 'token.store', location);
    const plan = planReturn(order.status, order.lines, body.lines);
    if (!plan.ok) throw plan.error.field === 'path.id' ? conflict('order-not-returnable', `order ${order.id} ${plan.error.message}`) : unprocessable(plan.error.field, plan.error.message);
    for (const l of plan.value.lines) {
      const moved = await tx.db
        .updateTable('order_line')
        .set({ returned_qty: l.returnedQty })
        .where('tenant', '=', tenant)
        .where('order_id', '=', order.id)
        .where('sku', '=', l.sku)
        .where('returned_qty', '=', l.returnedQty - l.qty)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw conflict('order-changed', `order ${order.id} had goods returned meanwhile; look again and retry`);
    }
    const returnId = randomUUID();
    const lines = body.lines.map((l) => ({ sku: l.sku, qty: l.qty }));
    await tx.db
      .insertInto('order_return')
      .values({ id: returnId, tenant, order_id: order.id, location, lines: JSON.stringify(lines), amount: plan.value.amount, reason: body.reason, taken_by: principal.subject, created_at: now })
      .execute();
    if (plan.value.wholly) {
      await tx.db.updateTable('orders').set({ status: 'returned', reason: body.reason, updated_at: now }).where('tenant', '=', tenant).where('id', '=', order.id).execute();
      await tx.db.insertInto('order_history').values({ tenant, order_id: order.id, status: 'returned', reason: body.reason, at: now }).execute();
    }
    await audit(tx.db, { action: 'order.return', target: `${order.id}: ${lines.map((l) => `${l.qty} × ${l.sku}`).join(', ')} at ${location}, refund ${plan.value.amount} ${order.currency}` });
    tx.emit(OrderReturned, order.id, {
      orderId: order.id,
      returnId,
      customerId: order.customerId,
      location,
      lines,
      amount: plan.value.amount,
      currency: order.currency,
      reason: body.reason,
      takenBy: { subject: principal.subject, role: principal.role },
    });
    return { status: 201, body: await visibleOrder(tx.db, principal, order.id) };
  },
});
