import { defineService } from '@omnishop/kit';
import { storeRegisterHandlers, storeRegisterReadModel } from '@omnishop/store-register';
import { inChargeHandlers, inChargeMigrations } from '@omnishop/in-charge';
import type { SagaOptions } from './commands.js';
import type { OrderTables } from './db.js';
import { couponHandlers, onMemberJoined, onSkuCreated, onSkuPriceChanged, pricesReadModel, sagaHandlers } from './events/handlers.js';
import { orderEvents } from './contract.js';
import { cancelUnpaidOrders } from './jobs/payment-timeout.js';
import { migrations } from './migrations/index.js';
import { cancelOrder, completeOrder, getOrder, listOrders, placeOrder, recordSale, returnOrder } from './routes/orders.js';

export interface OrderOptions extends SagaOptions {
  /** How often orders awaiting payment past their time are looked for. */
  paymentCheckMs: number;
}

export const orderService = (opts: OrderOptions) =>
  defineService<OrderTables>({
    name: 'order',
    prefix: '/api/orders',
    description:
      'Orders and their saga: online orders and till sales are placed (idempotent), stock held, coupons redeemed, paid, then fulfilled or handed over; failures compensate. Cancellation, completion and returns.',
    migrations: { ...migrations, ...inChargeMigrations },
    emits: orderEvents,
    routes: [placeOrder, recordSale, listOrders, getOrder, cancelOrder(opts), completeOrder(opts), returnOrder],
    handlers: [...storeRegisterHandlers<OrderTables>(), onMemberJoined, ...couponHandlers, onSkuCreated, onSkuPriceChanged, ...sagaHandlers(opts), ...inChargeHandlers<OrderTables>()],
    jobs: [cancelUnpaidOrders(opts.paymentCheckMs, opts)],
    readModels: [storeRegisterReadModel, pricesReadModel],
  });
