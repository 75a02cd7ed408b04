import { defineService } from '@omnishop/kit';
import type { OrderTables } from './db.js';
import {
  onOrderCollected,
  onOrderReceived,
  onReservationExpired,
  onSkuCreated,
  onSkuPriceChanged,
  onStockRejected,
  onStockReserved,
} from './events/handlers.js';
import { orderEvents } from './events/index.js';
import { migrations } from './migrations/index.js';
import { cancelOrder, completeOrder, getOrder, listOrders, placeOrder } from './routes/orders.js';

export const orderService = defineService<OrderTables>({
  name: 'order',
  prefix: '/api/orders',
  description: 'Online orders: placement (idempotent), the order state machine, cancellation and completion.',
  migrations,
  emits: orderEvents,
  routes: [placeOrder, listOrders, getOrder, cancelOrder, completeOrder],
  handlers: [onSkuCreated, onSkuPriceChanged, onStockReserved, onStockRejected, onReservationExpired, onOrderReceived, onOrderCollected],
});
