import { Type } from '@sinclair/typebox';
import { defineEvent } from '@omnishop/kit';

export const StockReserved = defineEvent(
  'StockReserved',
  1,
  "Stock for every line of an order is held at a location until the order is confirmed, or until it expires.",
  Type.Object({
    orderId: Type.String(),
    reservationId: Type.String(),
    lines: Type.Array(Type.Object({ sku: Type.String(), location: Type.String(), qty: Type.Integer() })),
    expiresAt: Type.String(),
  }),
);

export const StockRejected = defineEvent(
  'StockRejected',
  1,
  'An order could not be reserved: some line has no location with enough available stock.',
  Type.Object({ orderId: Type.String(), reason: Type.String(), sku: Type.String() }),
);

export const ReservationExpired = defineEvent(
  'ReservationExpired',
  1,
  'A reservation was not confirmed in time; its stock is available again.',
  Type.Object({ orderId: Type.String(), reservationId: Type.String() }),
);

export const inventoryEvents = [StockReserved, StockRejected, ReservationExpired];
