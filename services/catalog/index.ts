import { defineService } from '@omnishop/kit';
import type { CatalogTables } from './db.js';
import { catalogEvents } from './contract.js';
import { migrations } from './migrations/index.js';
import { getBrand, putBrand } from './routes/brand.js';
import { createStyle, getSku, getStyle, listStyles, setPrice } from './routes/styles.js';

export const catalogService = defineService<CatalogTables>({
  name: 'catalog',
  prefix: '/api/catalog',
  description: 'Brands, styles, SKUs (colour × size) and prices.',
  migrations,
  emits: catalogEvents,
  routes: [getBrand, putBrand, createStyle, listStyles, getStyle, getSku, setPrice],
});
