import { defineService } from '@omnishop/kit';
import { storeRegisterHandlers, storeRegisterReadModel } from '@omnishop/store-register';
import type { InventoryTables } from './db.js';
import { onOrderCancelled, onOrderCompleted, onOrderConfirmed, onOrderRejected, onOrderReturned, onSkuCreated, reserveForOrder } from './events/handlers.js';
import { expireReservations } from './jobs/expire-reservations.js';
import { inventoryEvents } from './contract.js';
import { migrations } from './migrations/index.js';
import { getLedger, getReservation, getStock, recordStockMovement } from './routes/stock.js';

export interface InventoryOptions {
  /** How long stock is held for an order that is not yet paid. */
  reservationTtlSeconds: number;
  /** How often expired reservations are released. */
  expiryCheckMs: number;
}

export const inventoryService = (opts: InventoryOptions) =>
  defineService<InventoryTables>({
    name: 'inventory',
    prefix: '/api/inventory',
    description: 'Stock per SKU per location, kept as an append-only ledger of movements; reservations with expiry.',
    migrations,
    emits: inventoryEvents,
    routes: [recordStockMovement, getStock, getLedger, getReservation],
    handlers: [...storeRegisterHandlers<InventoryTables>(), onSkuCreated, reserveForOrder(opts.reservationTtlSeconds), onOrderConfirmed, onOrderCancelled, onOrderRejected, onOrderCompleted, onOrderReturned],
    readModels: [storeRegisterReadModel],
    jobs: [expireReservations(opts.expiryCheckMs)],
  });
