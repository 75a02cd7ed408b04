import { Type } from '@sinclair/typebox';
import { choice, defineEvent } from '@omnishop/kit';

const OrderRef = { orderId: Type.String() };
const Store = { store: Type.String({ description: 'the store (or warehouse) code that holds the order' }) };

export const OrderOffered = defineEvent(
  'OrderOffered',
  1,
  'A confirmed online order is offered at once to the stores and warehouses holding its stock (round 1); the first to claim it fulfils it.',
  Type.Object({ ...OrderRef, round: Type.Integer(), locations: Type.Array(Type.String()) }),
);

export const OrderClaimed = defineEvent('OrderClaimed', 1, 'A store claimed an offered order; it alone fulfils it.', Type.Object({ ...OrderRef, ...Store }));

export const OrderGivenBack = defineEvent(
  'OrderGivenBack',
  1,
  'The claiming store gave the order back; it is offered again in the next round.',
  Type.Object({ ...OrderRef, ...Store }),
);

export const OrderReoffered = defineEvent(
  'OrderReoffered',
  1,
  'An order went unclaimed in time (or was given back) and is offered more widely: round 2 every store, round 3 the warehouses.',
  Type.Object({ ...OrderRef, round: Type.Integer(), locations: Type.Array(Type.String()), reason: choice(['timeout', 'given_back']) }),
);

export const ShipmentBooked = defineEvent(
  'ShipmentBooked',
  1,
  'The claiming store booked a courier for the order, with a tracking number.',
  Type.Object({ ...OrderRef, ...Store, carrier: Type.String(), tracking: Type.String() }),
);

export const OrderShipped = defineEvent('OrderShipped', 1, 'The courier picked the order up from the store.', Type.Object({ ...OrderRef, ...Store, tracking: Type.String() }));

export const OrderReceived = defineEvent('OrderReceived', 1, 'The customer confirmed they received the shipped order.', Type.Object({ ...OrderRef, customerId: Type.String() }));

export const OrderReadyForPickup = defineEvent('OrderReadyForPickup', 1, 'Click & collect: the order is ready for the customer at the store.', Type.Object({ ...OrderRef, ...Store }));

export const OrderCollected = defineEvent('OrderCollected', 1, 'Click & collect: the customer collected the order at the store.', Type.Object({ ...OrderRef, ...Store }));

export const FulfilmentCancelled = defineEvent(
  'FulfilmentCancelled',
  1,
  'The order was cancelled before it left the store: offers are withdrawn and a claiming store stops work on it.',
  Type.Object({ ...OrderRef, reason: Type.String() }),
);

export const fulfilmentEvents = [
  FulfilmentCancelled,
  OrderOffered,
  OrderClaimed,
  OrderGivenBack,
  OrderReoffered,
  ShipmentBooked,
  OrderShipped,
  OrderReceived,
  OrderReadyForPickup,
  OrderCollected,
];
