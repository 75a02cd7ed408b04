import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { conflict, decodeCursor, notFound, PageOf, PageQuery, SkuCode, toPage, unprocessable, type Principal, type Role } from '@omnishop/kit';
import { applyCommand, loadOrder, route, type OrderTables } from '../db.js';
import { priceOrder, type OrderCommand } from '../domain/order.js';
import { OrderPlaced } from '../events/index.js';
import type { Kysely } from 'kysely';

const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('confirmed'),
  Type.Literal('rejected'),
  Type.Literal('cancelled'),
  Type.Literal('completed'),
]);

const OrderView = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  channel: Type.String(),
  status: Status,
  reason: Type.Union([Type.String(), Type.Null()]),
  total: Type.Integer(),
  currency: Type.String(),
  lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer(), unitPrice: Type.Integer() })),
  history: Type.Array(Type.Object({ status: Status, reason: Type.Union([Type.String(), Type.Null()]), at: Type.String() })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const OrderId = Type.Object({ id: Type.String({ format: 'uuid' }) });

const BUYERS: Role[] = ['customer', 'clerk', 'store_manager', 'brand_admin'];
const STAFF: Role[] = ['clerk', 'store_manager', 'brand_admin', 'operator'];

/** A customer sees only their own orders; staff see every order of their brand. Someone else's order is simply not found. */
async function visibleOrder(db: Kysely<OrderTables>, principal: Principal, id: string) {
  const order = await loadOrder(db, principal.tenant, id);
  if (!order || (principal.role === 'customer' && order.customerId !== principal.subject)) throw notFound('order', id);
  return order;
}

export const placeOrder = route({
  method: 'POST',
  url: '/',
  summary: 'Place an online order; stock is reserved asynchronously (watch its status)',
  roles: BUYERS,
  idempotent: true,
  body: Type.Object(
    {
      lines: Type.Array(
        Type.Object({ sku: SkuCode, qty: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false }),
        { minItems: 1, maxItems: 50 },
      ),
      channel: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('app'), Type.Literal('marketplace')])),
    },
    { additionalProperties: false },
  ),
  response: { 201: OrderView },
  handler: async ({ body, principal }, tx) => {
    const tenant = principal.tenant;
    const skus = body.lines.map((l) => l.sku);
    const prices = new Map(
      (await tx.db.selectFrom('sku_price').selectAll().where('tenant', '=', tenant).where('sku', 'in', skus).execute()).map((p) => [p.sku, p]),
    );
    const priced = priceOrder(body.lines, (sku) => prices.get(sku));
    if (!priced.ok) throw unprocessable(`body.lines.${priced.error.index}.sku`, priced.error.message);
    const id = randomUUID();
    const now = new Date().toISOString();
    const channel = body.channel ?? 'online';
    const { lines, total, currency } = priced.value;
    await tx.db
      .insertInto('orders')
      .values({ id, tenant, customer_id: principal.subject, channel, status: 'pending', total, currency, reason: null, created_at: now, updated_at: now })
      .execute();
    await tx.db.insertInto('order_line').values(lines.map((l, i) => ({ tenant, order_id: id, line_no: i + 1, sku: l.sku, qty: l.qty, unit_price: l.unitPrice }))).execute();
    await tx.db.insertInto('order_history').values({ tenant, order_id: id, status: 'pending', reason: null, at: now }).execute();
    tx.emit(OrderPlaced, id, { orderId: id, customerId: principal.subject, channel, lines, total, currency });
    const view = {
      id,
      customerId: principal.subject,
      channel,
      status: 'pending' as const,
      reason: null,
      total,
      currency,
      lines,
      history: [{ status: 'pending' as const, reason: null, at: now }],
      createdAt: now,
      updatedAt: now,
    };
    return { status: 201, body: view, headers: { location: `/api/orders/${id}` } };
  },
});

export const getOrder = route({
  method: 'GET',
  url: '/:id',
  summary: 'An order with its lines and status history',
  roles: [...BUYERS, 'operator'],
  params: OrderId,
  response: { 200: OrderView },
  handler: async ({ params, principal }, tx) => ({ status: 200, body: await visibleOrder(tx.db, principal, params.id) }),
});

export const listOrders = route({
  method: 'GET',
  url: '/',
  summary: "Orders, newest first: a customer's own, or all of the brand's for staff",
  roles: [...BUYERS, 'operator'],
  query: Type.Object({ ...PageQuery, status: Type.Optional(Status) }),
  response: { 200: PageOf(Type.Omit(OrderView, ['lines', 'history'])) },
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
          status: o.status,
          reason: o.reason,
          total: o.total,
          currency: o.currency,
          createdAt: o.created_at,
          updatedAt: o.updated_at,
        })),
        nextCursor: page.nextCursor,
      },
    };
  },
});

const commandRoute = (command: OrderCommand, url: string, summary: string, roles: Role[]) =>
  route({
    method: 'POST',
    url,
    summary,
    roles,
    params: OrderId,
    response: { 200: OrderView },
    handler: async ({ params, principal }, tx) => {
      await visibleOrder(tx.db, principal, params.id);
      const moved = await applyCommand(tx, principal.tenant, params.id, command, command === 'cancel' ? `cancelled by ${principal.role}` : null);
      if (!moved.ok) throw conflict('invalid-transition', moved.error);
      return { status: 200, body: await visibleOrder(tx.db, principal, params.id) };
    },
  });

export const cancelOrder = commandRoute('cancel', '/:id/cancel', 'Cancel an order; any stock held for it is given back', [...BUYERS]);
export const completeOrder = commandRoute('complete', '/:id/complete', 'Mark a confirmed order handed over; its held stock is sold', STAFF);
