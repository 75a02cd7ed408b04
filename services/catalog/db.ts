import { routeFor, type KitTables } from '@omnishop/kit';

export interface CatalogTables extends KitTables {
  brand: { tenant: string; name: string; updated_at: string };
  style: { tenant: string; code: string; name: string; category: string; season: string | null; created_at: string };
  sku: { tenant: string; sku: string; style: string; colour: string; colour_name: string; size: string; price: number; currency: string };
}

export const route = routeFor<CatalogTables>();
