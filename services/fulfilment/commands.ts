import type { Selectable } from 'kysely';
import { Changed, conflict, ok, type Result, type Tx } from '@omnishop/kit';
import { registerQueries } from '@omnishop/store-register';
import { queries, type FulfilmentRow, type FulfilmentTables } from './db.js';
import {
  claimBy,
  MODE_OF,
  offereesFor,
  roundAfterGiveBack,
  transition,
  unregistered,
  type ClaimRefusal,
  type FulfilmentAction,
  type FulfilmentStatus,
  type Location,
  type Round,
} from './domain/fulfilment.js';
import {
  FulfilmentCancelled,
  OrderClaimed,
  OrderCollected,
  OrderGivenBack,
  OrderOffered,
  OrderReadyForPickup,
  OrderReceived,
  OrderReoffered,
  OrderShipped,
  ShipmentBooked,
} from './contract.js';

/** The write side of fulfilment: offers recorded, and a fulfilment moved from the status it was read in, with the events each step emits. */

type T = FulfilmentTables;

const asLocation = (l: Selectable<FulfilmentTables['location']>): Location => ({ code: l.code, type: l.type, active: Boolean(l.active) });

/**
 * Records the offer of a round: who it goes to, worked out from the
 * reservation replica. Round 1 reads only the order's own locations; later
 * rounds read the whole register.
 */
export async function recordOffer(tx: Tx<T>, tenant: string, orderId: string, round: Round): Promise<string[]> {
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
export async function move(tx: Tx<T>, f: FulfilmentRow, action: FulfilmentAction, set: Partial<Omit<FulfilmentRow, 'tenant' | 'order_id'>> = {}): Promise<FulfilmentRow> {
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

/** A store claims an order offered to it: the first claim wins, the winner's repeat gets the same fulfilment again. */
export async function claim(tx: Tx<T>, f: FulfilmentRow, store: string): Promise<Result<FulfilmentRow, ClaimRefusal>> {
  const offered = await queries.offeredIn.all(tx.db, { tenant: f.tenant, orderId: f.order_id, round: f.round });
  const decision = claimBy({ status: f.status, claimedBy: f.claimed_by }, store, offered.some((o) => o.location === store));
  if (!decision.ok) return decision;
  if (decision.value === 'held') return ok(f);
  const claimed = await move(tx, f, 'claim', { claimed_by: store });
  tx.emit(OrderClaimed, f.order_id, { orderId: f.order_id, store });
  return ok(claimed);
}

/** The claiming store gives an order back: it is offered again, in the next round. */
export async function giveBack(tx: Tx<T>, f: FulfilmentRow, store: string): Promise<FulfilmentRow> {
  const round = roundAfterGiveBack(f.round);
  const back = await move(tx, f, 'give_back', { claimed_by: null, mode: null, round, offered_at: new Date().toISOString() });
  const locations = await recordOffer(tx, f.tenant, f.order_id, round);
  tx.emit(OrderGivenBack, f.order_id, { orderId: f.order_id, store });
  tx.emit(OrderReoffered, f.order_id, { orderId: f.order_id, round, locations, reason: 'given_back' });
  return back;
}

/** The claiming store books a courier: the order will be shipped. */
export async function book(tx: Tx<T>, f: FulfilmentRow, store: string, shipment: { carrier: string; tracking: string }): Promise<FulfilmentRow> {
  const booked = await move(tx, f, 'book', shipment);
  tx.emit(ShipmentBooked, f.order_id, { orderId: f.order_id, store, ...shipment });
  return booked;
}

/** The steps a claiming store takes with nothing to say but that they happened, and what each announces. */
const STORE_STEPS = {
  ship: (tx: Tx<T>, f: FulfilmentRow, store: string) => tx.emit(OrderShipped, f.order_id, { orderId: f.order_id, store, tracking: f.tracking ?? '' }),
  ready: (tx: Tx<T>, f: FulfilmentRow, store: string) => tx.emit(OrderReadyForPickup, f.order_id, { orderId: f.order_id, store }),
  collect: (tx: Tx<T>, f: FulfilmentRow, store: string) => tx.emit(OrderCollected, f.order_id, { orderId: f.order_id, store }),
} satisfies Partial<Record<FulfilmentAction, unknown>>;

export type StoreStep = keyof typeof STORE_STEPS;

/** The claiming store ships a booked order, or has a click & collect order ready, or hands it over. */
export async function takeStep(tx: Tx<T>, f: FulfilmentRow, store: string, step: StoreStep): Promise<FulfilmentRow> {
  const moved = await move(tx, f, step);
  STORE_STEPS[step](tx, f, store);
  return moved;
}

/** The customer who placed the order received it. */
export async function confirmReceipt(tx: Tx<T>, f: FulfilmentRow, customerId: string): Promise<FulfilmentRow> {
  const received = await move(tx, f, 'receive');
  tx.emit(OrderReceived, f.order_id, { orderId: f.order_id, customerId });
  return received;
}

/** A paid online order is offered to the stores and warehouses holding its stock (round 1), once. */
export async function offerOrder(tx: Tx<T>, tenant: string, orderId: string): Promise<void> {
  if (await queries.fulfilment.first(tx.db, { tenant, orderId })) return;
  const held = await queries.heldAt.first(tx.db, { tenant, orderId });
  // StockReserved comes before OrderConfirmed; if it has not been seen, retry (and dead-letter if it never comes).
  if (!held) throw new Error(`no reservation seen for confirmed order ${orderId}`);
  await queries.offer.run(tx.db, { tenant, orderId, now: new Date().toISOString() });
  const locations = await recordOffer(tx, tenant, orderId, 1);
  tx.emit(OrderOffered, orderId, { orderId, round: 1, locations });
}

/** A cancelled order is no longer offered or worked on, unless it has already left the store. */
export async function cancelFulfilment(tx: Tx<T>, tenant: string, orderId: string, reason: string): Promise<void> {
  const current = await queries.fulfilment.first(tx.db, { tenant, orderId });
  if (!current || !transition(current.status, 'cancel').ok) return;
  const moved = await tx.db
    .updateTable('fulfilment')
    .set({ status: 'cancelled', updated_at: new Date().toISOString() })
    .where('tenant', '=', tenant)
    .where('order_id', '=', orderId)
    .where('status', '=', current.status)
    .executeTakeFirst();
  // A store moved it meanwhile: retry, and the next look decides again.
  if (Number(moved.numUpdatedRows) !== 1) throw new Changed('fulfilment-changed', `fulfilment of ${orderId} changed while being cancelled`);
  tx.emit(FulfilmentCancelled, orderId, { orderId, reason });
}
