import { Type } from '@sinclair/typebox';
import { defineEvent } from '@omnishop/kit';

const OrderRef = { orderId: Type.String() };

export const OrderPlaced = defineEvent(
  'OrderPlaced',
  1,
  'A customer placed an order; it waits for stock to be reserved.',
  Type.Object({
    ...OrderRef,
    customerId: Type.String(),
    channel: Type.String(),
    lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }), unitPrice: Type.Integer() }), { minItems: 1 }),
    total: Type.Integer(),
    currency: Type.String(),
  }),
);

export const OrderConfirmed = defineEvent('OrderConfirmed', 1, 'Stock for every line is held; the order will be fulfilled.', Type.Object(OrderRef));

export const OrderRejected = defineEvent(
  'OrderRejected',
  1,
  'The order could not be accepted (no stock, or the reservation expired before confirmation).',
  Type.Object({ ...OrderRef, reason: Type.String() }),
);

export const OrderCancelled = defineEvent(
  'OrderCancelled',
  1,
  'The order was cancelled; anything held for it is to be given back.',
  Type.Object({ ...OrderRef, reason: Type.String() }),
);

export const OrderCompleted = defineEvent('OrderCompleted', 1, 'The order was handed over; its held stock is sold.', Type.Object(OrderRef));

export const orderEvents = [OrderPlaced, OrderConfirmed, OrderRejected, OrderCancelled, OrderCompleted];
