import { Type } from '@sinclair/typebox';
import { choice, defineEvent, ROLES } from '@omnishop/kit';

export { isTillSale, TILL_CHANNEL, WALK_IN_CUSTOMER } from './domain/order.js';

const OrderRef = { orderId: Type.String() };

const Channel = Type.String({ description: 'online, app, marketplace, or pos (a sale at a store till)' });
const PaymentMethod = choice(['wallet', 'cash'], { description: 'how the customer pays: mobile wallet, or cash at the till' });

export const OrderPlaced = defineEvent(
  'OrderPlaced',
  1,
  'A customer placed an order, online or at a till. Stock is to be held for it (at `store` only, for a till sale) and its coupons redeemed; then it is paid.',
  Type.Object({
    ...OrderRef,
    customerId: Type.String(),
    channel: Channel,
    lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }), unitPrice: Type.Integer() }), { minItems: 1 }),
    total: Type.Integer({ description: 'before coupons, minor units (fen)' }),
    currency: Type.String(),
    coupons: Type.Optional(Type.Array(Type.String(), { description: 'coupon codes to redeem for the order; absent or empty: none' })),
    store: Type.Optional(Type.String({ description: 'a till sale: the store whose stock it takes; absent online' })),
    paymentMethod: Type.Optional(PaymentMethod),
  }),
);

export const PaymentRequested = defineEvent(
  'PaymentRequested',
  1,
  "The order's stock is held and its coupons redeemed: the amount due is final, and the payment service takes it.",
  Type.Object({
    ...OrderRef,
    customerId: Type.String(),
    amount: Type.Integer({ minimum: 1, description: 'minor units (fen), after coupons' }),
    currency: Type.String(),
    method: PaymentMethod,
    store: Type.Optional(Type.String({ description: "a till sale: the store that rang it up, in charge of it (its staff may refund it); absent online" })),
  }),
);

export const OrderConfirmed = defineEvent(
  'OrderConfirmed',
  1,
  'The order is paid (or cost nothing after coupons) and its stock held: an online order is fulfilled from here, a till sale is handed over at once.',
  Type.Object({
    ...OrderRef,
    customerId: Type.String(),
    channel: Channel,
    total: Type.Integer({ description: 'what was paid, after coupons' }),
    currency: Type.String(),
  }),
);

export const OrderRejected = defineEvent(
  'OrderRejected',
  1,
  'The order could not be accepted (no stock, a coupon refused, or the stock hold expired); whatever was held or redeemed for it is given back.',
  Type.Object({ ...OrderRef, reason: Type.String() }),
);

export const OrderCancelled = defineEvent(
  'OrderCancelled',
  1,
  'The order was cancelled (by the customer or staff, or because payment failed or timed out); anything held for it is given back and a captured payment refunded.',
  Type.Object({ ...OrderRef, reason: Type.String() }),
);

export const OrderCompleted = defineEvent('OrderCompleted', 1, 'The order was handed over; its held stock is sold.', Type.Object(OrderRef));

export const OrderReturned = defineEvent(
  'OrderReturned',
  1,
  'Goods of a completed order came back to a store or warehouse: the stock is received there, the amount refunded (and with it the points it earned).',
  Type.Object({
    ...OrderRef,
    returnId: Type.String(),
    customerId: Type.String(),
    location: Type.String({ description: 'the store or warehouse that took the goods back' }),
    lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }), { minItems: 1 }),
    amount: Type.Integer({ minimum: 0, description: 'what is refunded for them: their share of what was paid, minor units' }),
    currency: Type.String(),
    reason: Type.String(),
    takenBy: Type.Optional(
      Type.Object({ subject: Type.String(), role: choice(ROLES) }, { description: 'the staff member who took the goods back' }),
    ),
  }),
);

export const orderEvents = [OrderPlaced, PaymentRequested, OrderConfirmed, OrderRejected, OrderCancelled, OrderCompleted, OrderReturned];
