import { err, nowIso, ok, type Result, type Tx } from '@omnishop/kit';
import type { CatalogTables } from './db.js';
import { skusOf, type StyleDraft, type StyleRejection } from './domain/style.js';
import { SkuCreated, SkuPriceChanged } from './contract.js';

/** The write side of the catalog: styles added with their SKUs, prices changed, the brand's profile set, each with the events it emits. */

type T = CatalogTables;

export type StyleRefusal = { kind: 'invalid'; rejection: StyleRejection } | { kind: 'exists' };

/** Adds a style, sold as every colour in every size; each SKU is announced (SkuCreated). */
export async function addStyle(tx: Tx<T>, tenant: string, draft: StyleDraft): Promise<Result<{ style: T['style']; skus: T['sku'][] }, StyleRefusal>> {
  const skus = skusOf(draft);
  if (!skus.ok) return err({ kind: 'invalid', rejection: skus.error });
  const exists = await tx.db.selectFrom('style').select('code').where('tenant', '=', tenant).where('code', '=', draft.code).executeTakeFirst();
  if (exists) return err({ kind: 'exists' });
  const style = { tenant, code: draft.code, name: draft.name, category: draft.category, season: draft.season ?? null, created_at: nowIso() };
  await tx.db.insertInto('style').values(style).execute();
  const rows = skus.value.map((s) => ({ tenant, sku: s.sku, style: s.style, colour: s.colour, colour_name: s.colourName, size: s.size, price: s.price, currency: s.currency }));
  await tx.db.insertInto('sku').values(rows).execute();
  for (const s of skus.value) {
    tx.emit(SkuCreated, s.sku, { sku: s.sku, style: s.style, name: draft.name, colour: s.colour, size: s.size, price: s.price, currency: s.currency });
  }
  return ok({ style, skus: rows });
}

/** Changes a SKU's price and announces it (SkuPriceChanged); undefined when the brand has no such SKU. */
export async function changePrice(tx: Tx<T>, tenant: string, sku: string, price: number): Promise<T['sku'] | undefined> {
  const row = await tx.db.updateTable('sku').set({ price }).where('tenant', '=', tenant).where('sku', '=', sku).returningAll().executeTakeFirst();
  if (row) tx.emit(SkuPriceChanged, row.sku, { sku: row.sku, price: row.price, currency: row.currency });
  return row;
}

/** Sets the brand's profile; returns when. */
export async function setBrand(tx: Tx<T>, tenant: string, name: string): Promise<string> {
  const updatedAt = nowIso();
  await tx.db
    .insertInto('brand')
    .values({ tenant, name, updated_at: updatedAt })
    .onConflict((oc) => oc.column('tenant').doUpdateSet({ name, updated_at: updatedAt }))
    .execute();
  return updatedAt;
}
