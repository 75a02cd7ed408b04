import { Type } from '@sinclair/typebox';
import { audit, choice, Code, decodeCursor, forbidden, notFound, PageQuery, ROLES, SkuCode, toPage, unprocessable } from '@omnishop/kit';
import { adjust, available, receive, type Balance, type StockRejection } from '../domain/stock.js';
import { requireOpenLocation } from '@omnishop/store-register';
import { recordMovement } from '../commands.js';
import { balanceAt, route, type MovementRow } from '../db.js';

const BalanceView = Type.Object(
  { location: Type.String(), onHand: Type.Integer(), reserved: Type.Integer({ description: 'held for orders' }), available: Type.Integer({ description: 'on hand less reserved' }) },
  { title: 'StockBalance', description: 'Stock of a SKU at one location' },
);

const Totals = Type.Object({ onHand: Type.Integer(), reserved: Type.Integer(), available: Type.Integer() }, { title: 'StockTotals', description: 'Stock summed over locations or movements' });

/** A balance as it is answered: with what of it may still be promised. */
const totals = (b: Balance) => ({ onHand: b.onHand, reserved: b.reserved, available: available(b) });

const MovementView = Type.Object({
  seq: Type.Integer(),
  sku: Type.String(),
  location: Type.String(),
  kind: Type.String(),
  qty: Type.Integer(),
  onHandDelta: Type.Integer(),
  reservedDelta: Type.Integer(),
  reference: Type.String({ description: 'why: the order, or the receipt or adjustment and its reason' }),
  at: Type.String(),
}, { title: 'StockMovement', description: 'One entry of the stock ledger: receive, adjust, reserve, release or sell' });

const movementView = (m: MovementRow) => ({
  seq: m.seq,
  sku: m.sku,
  location: m.location,
  kind: m.kind,
  qty: m.qty,
  onHandDelta: m.on_hand_delta,
  reservedDelta: m.reserved_delta,
  reference: m.reference,
  at: m.at,
});

const MAX_QTY = 1_000_000;

const REJECTIONS: Record<StockRejection, string> = {
  not_positive: 'must be positive to receive stock',
  below_reserved: 'would take on-hand stock below what is reserved for orders',
  insufficient_stock: 'is more than is available',
  not_reserved: 'is more than is reserved',
};

export const recordStockMovement = route({
  method: 'POST',
  url: '/movements',
  summary: 'Receive stock at a location, or correct its count',
  roles: ['brand_admin', 'store_manager'],
  idempotent: true,
  body: Type.Object(
    {
      sku: SkuCode,
      location: Code('location code (store or warehouse)'),
      kind: choice(['receive', 'adjust']),
      qty: Type.Integer({ minimum: -MAX_QTY, maximum: MAX_QTY, not: { const: 0 }, description: 'receive: positive; adjust: signed correction' }),
      reason: Type.Optional(Type.String({ maxLength: 200 })),
    },
    { additionalProperties: false },
  ),
  response: { 201: Type.Object({ movement: MovementView, balance: BalanceView }, { title: 'RecordedMovement', description: 'The movement recorded, and the balance it leaves' }) },
  errors: {
    403: 'a store manager records stock at their own store only',
    422: 'the SKU is not one of the brand, the location is not an open store or warehouse of the brand, or the quantity would take stock below what is reserved',
  },
  handler: async ({ body, principal }, tx) => {
    if (principal.role === 'store_manager' && principal.store !== body.location) {
      throw forbidden(`a store manager records stock at their own store (${principal.store ?? 'none on the token'}) only`);
    }
    const tenant = principal.tenant;
    const sku = await tx.db.selectFrom('sku').select('sku').where('tenant', '=', tenant).where('sku', '=', body.sku).executeTakeFirst();
    if (!sku) throw unprocessable('body.sku', 'is not a SKU of this brand');
    await requireOpenLocation(tx.db, 'body.location', body.location);
    const at = { tenant, sku: body.sku, location: body.location };
    const movement = body.kind === 'receive' ? receive(body.qty) : adjust(await balanceAt(tx.db, tenant, body.sku, body.location), body.qty);
    if (!movement.ok) throw unprocessable('body.qty', REJECTIONS[movement.error]);
    const recorded = await recordMovement(tx, at, movement.value, body.reason ? `${body.kind}:${body.reason}` : body.kind);
    await audit(tx.db, { action: `stock.${body.kind}`, target: `${body.sku} at ${body.location}: ${body.qty}` });
    return {
      status: 201,
      body: { movement: movementView(recorded.movement), balance: { location: body.location, ...totals(recorded.balance) } },
    };
  },
});

export const getStock = route({
  method: 'GET',
  url: '/stock',
  summary: 'Stock of a SKU at every location, and in total',
  roles: ROLES,
  query: Type.Object({ sku: SkuCode, location: Type.Optional(Code('location code')) }),
  response: {
    200: Type.Object({ sku: Type.String(), locations: Type.Array(BalanceView), total: Totals }, { title: 'Stock', description: 'Stock of a SKU at every location, and in total' }),
  },
  errors: { 404: 'no SKU with this code' },
  handler: async ({ query, principal }, tx) => {
    let q = tx.db.selectFrom('balance').selectAll().where('tenant', '=', principal.tenant).where('sku', '=', query.sku).orderBy('location');
    if (query.location) q = q.where('location', '=', query.location);
    const rows = await q.execute();
    if (!rows.length) {
      const known = await tx.db.selectFrom('sku').select('sku').where('tenant', '=', principal.tenant).where('sku', '=', query.sku).executeTakeFirst();
      if (!known) throw notFound('SKU', query.sku);
    }
    const balances = rows.map((r) => ({ location: r.location, onHand: r.on_hand, reserved: r.reserved }));
    const total = { onHand: balances.reduce((s, l) => s + l.onHand, 0), reserved: balances.reduce((s, l) => s + l.reserved, 0) };
    return { status: 200, body: { sku: query.sku, locations: balances.map((b) => ({ location: b.location, ...totals(b) })), total: totals(total) } };
  },
});

export const getLedger = route({
  method: 'GET',
  url: '/ledger',
  summary: 'The movements behind a stock number, oldest first, with the balance they add up to',
  roles: ['store_manager', 'brand_admin', 'operator'],
  query: Type.Object({ sku: SkuCode, location: Type.Optional(Code('location code')), ...PageQuery }),
  response: {
    200: Type.Object(
      { items: Type.Array(MovementView), nextCursor: Type.Union([Type.String(), Type.Null()], { description: '`cursor` for the next page; null on the last' }), balance: Totals },
      { title: 'Ledger', description: 'A page of movements, oldest first, and the balance all of them add up to' },
    ),
  },
  handler: async ({ query, principal }, tx) => {
    const after = decodeCursor<number>(query.cursor, 'number');
    let scope = tx.db.selectFrom('movement').where('tenant', '=', principal.tenant).where('sku', '=', query.sku);
    if (query.location) scope = scope.where('location', '=', query.location);
    const pageQuery = after === undefined ? scope : scope.where('seq', '>', after);
    const rows = await pageQuery.selectAll().orderBy('seq').limit(query.limit + 1).execute();
    const sums = await scope
      .select((eb) => [eb.fn.sum<number>('on_hand_delta').as('on_hand'), eb.fn.sum<number>('reserved_delta').as('reserved')])
      .executeTakeFirst();
    const balance = { onHand: Number(sums?.on_hand ?? 0), reserved: Number(sums?.reserved ?? 0) };
    const page = toPage(rows, query.limit, (r) => r.seq);
    return { status: 200, body: { items: page.items.map(movementView), nextCursor: page.nextCursor, balance: totals(balance) } };
  },
});

export const getReservation = route({
  method: 'GET',
  url: '/reservations/:orderId',
  summary: 'What is held for an order, where, and until when',
  roles: ['clerk', 'store_manager', 'brand_admin', 'operator'],
  params: Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 64 }) }),
  response: {
    200: Type.Object(
      {
        id: Type.String(),
        orderId: Type.String(),
        status: Type.String(),
        expiresAt: Type.String(),
        lines: Type.Array(Type.Object({ sku: Type.String(), location: Type.String(), qty: Type.Integer() })),
      },
      { title: 'Reservation', description: 'The stock held for an order, where, and until when' },
    ),
  },
  errors: { 404: 'nothing was ever held for this order' },
  handler: async ({ params, principal }, tx) => {
    const r = await tx.db.selectFrom('reservation').selectAll().where('tenant', '=', principal.tenant).where('order_id', '=', params.orderId).executeTakeFirst();
    if (!r) throw notFound('reservation for order', params.orderId);
    const lines = await tx.db.selectFrom('reservation_line').select(['sku', 'location', 'qty']).where('tenant', '=', principal.tenant).where('reservation_id', '=', r.id).execute();
    return { status: 200, body: { id: r.id, orderId: r.order_id, status: r.status, expiresAt: r.expires_at, lines } };
  },
});
