import type { Selectable } from 'kysely';
import { Changed, conflict, type Tx } from '@omnishop/kit';
import { registerQueries } from '@omnishop/store-register';
import { queries, type FulfilmentRow, type FulfilmentTables } from './db.js';
import { MODE_OF, offereesFor, transition, unregistered, type FulfilmentAction, type FulfilmentStatus, type Location, type Round } from './domain/fulfilment.js';

/** The write side of fulfilment: offers recorded, and a fulfilment moved from the status it was read in. */

const asLocation = (l: Selectable<FulfilmentTables['location']>): Location => ({ code: l.code, type: l.type, active: Boolean(l.active) });

/**
 * Records the offer of a round: who it goes to, worked out from the
 * reservation replica. Round 1 reads only the order's own locations; later
 * rounds read the whole register.
 */
export async function recordOffer(tx: Tx<FulfilmentTables>, tenant: string, orderId: string, round: Round): Promise<string[]> {
  const own = (await queries.heldAt.all(tx.db, { tenant, orderId })).map((r) => r.location);
  const register = new Map<string, Location>();
  const locate = (code: string) => register.get(code) ?? unregistered(code);
  // Round 1 offers to the order's own locations; later rounds to every location known.
  const known: Location[] = [];
  if (round === 1) {
    for (const code of new Set(own)) {
      const row = await registerQueries.location.first(tx.db, { tenant, code });
      if (row) register.set(code, asLocation(row));
    }
  } else {
    for (const l of await tx.db.selectFrom('location').selectAll().where('tenant', '=', tenant).execute()) register.set(l.code, asLocation(l));
    const seen = await tx.db.selectFrom('reserved_line').select('location').distinct().where('tenant', '=', tenant).execute();
    known.push(...register.values(), ...seen.map((r) => locate(r.location)));
  }
  const locations = offereesFor(round, own.map(locate), known);
  for (const location of locations) await queries.offerTo.run(tx.db, { tenant, orderId, location, round });
  return locations;
}

/** Moves a fulfilment from the status it was read in, or fails with 409 if someone else moved it first. */
export async function move(tx: Tx<FulfilmentTables>, f: FulfilmentRow, action: FulfilmentAction, set: Partial<Omit<FulfilmentRow, 'tenant' | 'order_id'>> = {}): Promise<FulfilmentRow> {
  const to = transition(f.status, action);
  if (!to.ok) throw conflict('invalid-transition', to.error);
  const now = new Date().toISOString();
  const mode = MODE_OF[action];
  const changes = { ...set, status: to.value as FulfilmentStatus, updated_at: now, ...(mode ? { mode } : {}) };
  const moved = await tx.db
    .updateTable('fulfilment')
    .set(changes)
    .where('tenant', '=', f.tenant)
    .where('order_id', '=', f.order_id)
    .where('status', '=', f.status)
    .where('round', '=', f.round)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) throw new Changed('fulfilment-changed', `order ${f.order_id} changed meanwhile; look again`);
  return { ...f, ...changes };
}
