import { forbidden, type Principal } from '@omnishop/kit';

/**
 * Brand admins act on every store of their brand; store staff only on the
 * store their token names. Checked before the store is looked up, so staff
 * cannot learn which other store codes exist.
 */
export function actsOnStore(principal: Principal, store: string): void {
  if (principal.role !== 'brand_admin' && principal.store !== store) throw forbidden(`a ${principal.role} acts only on their own store`);
}
