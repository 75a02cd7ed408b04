import { defineService } from '@omnishop/kit';
import type { FulfilmentTables } from './db.js';
import { storeRegisterHandlers, storeRegisterReadModel } from '@omnishop/store-register';
import { onOrderCancelled, onOrderConfirmed, onOrderPlaced, onStockReserved } from './events/handlers.js';
import { fulfilmentEvents } from './contract.js';
import { reofferUnclaimed } from './jobs/reoffer.js';
import { migrations } from './migrations/index.js';
import { fulfilmentRoutes } from './routes/fulfilment.js';

export interface FulfilmentOptions {
  /** How long an offer may go unclaimed before it is offered in the next round. */
  claimTimeoutSeconds: number;
  /** How often unclaimed offers are looked for. */
  offerCheckMs: number;
}

export const fulfilmentService = (opts: FulfilmentOptions) =>
  defineService<FulfilmentTables>({
    name: 'fulfilment',
    prefix: '/api/fulfilment',
    description:
      'Online-to-offline fulfilment: a paid online order is offered at once to the stores and warehouses holding its stock, claimed by exactly one, shipped or collected; unclaimed offers widen to every store, then to warehouses.',
    migrations,
    emits: fulfilmentEvents,
    routes: fulfilmentRoutes,
    // The store register: offers in later rounds go to every active store, then to the warehouses.
    handlers: [...storeRegisterHandlers<FulfilmentTables>(), onOrderPlaced, onStockReserved, onOrderConfirmed, onOrderCancelled],
    readModels: [storeRegisterReadModel],
    jobs: [reofferUnclaimed(opts.offerCheckMs, opts.claimTimeoutSeconds)],
  });
