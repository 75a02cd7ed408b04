import { Type } from '@sinclair/typebox';
import { choice, conflict, decodeCursor, forbidden, PageOf, PageQuery, SkuCode, toPage, unprocessable, Uuid, type Principal, type Role } from '@omnishop/kit';
import { refuseUnlessInCharge } from '@omnishop/in-charge';
import { advance, place, takeReturn, type SagaOptions } from '../commands.js';
import { queries, route } from '../db.js';
import { TILL_CHANNEL, WALK_IN_CUSTOMER, type SagaInput } from '../domain/order.js';
import { OrderSummary, OrderView, orderSummary, PaymentMethod, Status, visibleOrder } from '../views.js';

const OrderId = Type.Object({ id: Uuid });

const BUYERS: Role[] = ['customer', 'clerk', 'store_manager', 'brand_admin'];
const STAFF: Role[] = ['clerk', 'store_manager', 'brand_admin', 'operator'];
const TILL: Role[] = ['clerk', 'store_manager'];

/** A coupon or a line refused at once, before anything is held or redeemed. */
const PLACING_ERRORS = {
  422: "a line names a SKU without a price, or a coupon is not the brand's, not the customer's, or used",
};

const Lines = Type.Array(Type.Object({ sku: SkuCode, qty: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 50 });
const Coupons = Type.Array(Type.String({ pattern: '^[2-9A-HJ-NP-Z]{12}$', description: 'coupon code' }), { maxItems: 10, uniqueItems: true, default: [] });

/** A new order's answer: the order as written, and where to find it. */
const created = (order: OrderView) => ({ status: 201 as const, body: order, headers: { location: `/api/orders/${order.id}` } });

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
    created(await place(tx, principal.tenant, { customerId: principal.subject, channel: body.channel ?? 'online', lines: body.lines, coupons: body.coupons, paymentMethod: 'wallet', store: null })),
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
    return created(
      await place(tx, principal.tenant, {
        customerId: body.customerId ?? WALK_IN_CUSTOMER,
        channel: TILL_CHANNEL,
        lines: body.lines,
        coupons: body.coupons,
        paymentMethod: body.paymentMethod,
        store: principal.store,
      }),
    );
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
  response: { 200: PageOf(OrderSummary) },
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
        items: page.items.map(orderSummary),
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
      const moved = await advance(tx, principal.tenant, params.id, input(principal), opts);
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
    await takeReturn(tx, principal, params.id, body);
    return { status: 201, body: await visibleOrder(tx.db, principal, params.id) };
  },
});
