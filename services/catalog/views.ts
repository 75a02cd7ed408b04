import { Type, type Static } from '@sinclair/typebox';
import type { CatalogTables } from './db.js';

/** What the catalog answers: each view once, as its schema and the type it describes, and how a row becomes it. */

export const SkuView = Type.Object({
  sku: Type.String(),
  style: Type.String(),
  colour: Type.String(),
  colourName: Type.String(),
  size: Type.String(),
  price: Type.Integer(),
  currency: Type.String(),
}, { title: 'Sku', description: 'A SKU: one colour in one size of a style, with its price' });
export type SkuView = Static<typeof SkuView>;

export const StyleView = Type.Object({
  code: Type.String(),
  name: Type.String(),
  category: Type.String(),
  season: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  skus: Type.Array(SkuView),
}, { title: 'Style', description: 'A style with every SKU it is sold as' });
export type StyleView = Static<typeof StyleView>;

export const StyleSummary = Type.Omit(StyleView, ['skus'], { title: 'StyleSummary', description: 'A style without its SKUs' });
export type StyleSummary = Static<typeof StyleSummary>;

export const skuView = (r: CatalogTables['sku']): SkuView => ({
  sku: r.sku,
  style: r.style,
  colour: r.colour,
  colourName: r.colour_name,
  size: r.size,
  price: r.price,
  currency: r.currency,
});

export const styleSummary = (s: CatalogTables['style']): StyleSummary => ({ code: s.code, name: s.name, category: s.category, season: s.season, createdAt: s.created_at });

export const styleView = (s: CatalogTables['style'], skus: CatalogTables['sku'][]): StyleView => ({ ...styleSummary(s), skus: skus.map(skuView) });
