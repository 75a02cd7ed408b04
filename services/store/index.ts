import { defineService } from '@omnishop/kit';
import type { StoreTables } from './db.js';
import { storeEvents } from './contract.js';
import { migrations } from './migrations/index.js';
import { addStaff, listStaff } from './routes/staff.js';
import { createStore, getStore, listStores, nearestStores, patchStore } from './routes/stores.js';
import { addTerminal, listTerminals } from './routes/terminals.js';

export const storeService = defineService<StoreTables>({
  name: 'store',
  prefix: '/api/stores',
  description: 'Stores and warehouses (where they are, opening hours, open or closed), their POS terminals and staff.',
  migrations,
  emits: storeEvents,
  routes: [createStore, listStores, nearestStores, getStore, patchStore, addTerminal, listTerminals, addStaff, listStaff],
});
