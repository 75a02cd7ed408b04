import { err, ok, type Result } from '@omnishop/kit';

/** Store staff act for the store on their token; other roles are not bound to a store. */
export const isStoreStaff = (role: string): boolean => role === 'clerk' || role === 'store_manager';

/**
 * Which store's staff may act on an order (cancel it, hand it over, refund or
 * cancel its payment): the store in charge of it. A till sale is in the
 * charge of the store that rang it up, from the start. An online order is in
 * nobody's charge until a store (or warehouse) claims it, then in that
 * store's until it gives it back; a store that was merely offered it is not
 * in charge. Other roles are not store-bound: their own rules apply (a
 * customer's own orders, a brand admin's whole brand).
 */
export function mayActOnOrder(actor: { role: string; store?: string | undefined }, order: { id: string; inCharge: string | undefined }): Result<true, string> {
  if (!isStoreStaff(actor.role)) return ok(true);
  if (order.inCharge === undefined) return err(`order ${order.id} is not in any store's hands yet: until a store claims it, only the brand (or its customer) may act on it`);
  if (order.inCharge !== actor.store) return err(`order ${order.id} is in the hands of ${order.inCharge}: only its staff may act on it, not staff of ${actor.store ?? 'no store'}`);
  return ok(true);
}
