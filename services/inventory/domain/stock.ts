import { err, ok, type Result } from '@omnishop/kit';

/**
 * Stock is a history of movements; a balance is what they add up to.
 * `onHand` is what is physically there, `reserved` what is promised to
 * orders, and only the difference can be promised again.
 */
export interface Balance {
  onHand: number;
  reserved: number;
}

export type MovementKind = 'receive' | 'adjust' | 'reserve' | 'release' | 'sell';

export interface Movement {
  kind: MovementKind;
  qty: number;
  onHandDelta: number;
  reservedDelta: number;
}

export const EMPTY: Balance = { onHand: 0, reserved: 0 };

export const available = (b: Balance): number => b.onHand - b.reserved;

export function apply(b: Balance, m: Movement): Balance {
  return { onHand: b.onHand + m.onHandDelta, reserved: b.reserved + m.reservedDelta };
}

/** The balance a ledger adds up to: the answer to "why is this stock number what it is?". */
export function balanceOf(movements: Movement[]): Balance {
  return movements.reduce(apply, EMPTY);
}

export type StockRejection = 'not_positive' | 'insufficient_stock' | 'below_reserved' | 'not_reserved';

/** Quantities are whole units, one or more. */
const isQuantity = (qty: number): boolean => Number.isInteger(qty) && qty >= 1;

export function receive(qty: number): Result<Movement, StockRejection> {
  if (!isQuantity(qty)) return err('not_positive');
  return ok({ kind: 'receive', qty, onHandDelta: qty, reservedDelta: 0 });
}

/** A count correction; it may not take on-hand below what is promised. */
export function adjust(b: Balance, delta: number): Result<Movement, StockRejection> {
  if (!isQuantity(Math.abs(delta))) return err('not_positive');
  if (b.onHand + delta < b.reserved) return err('below_reserved');
  return ok({ kind: 'adjust', qty: Math.abs(delta), onHandDelta: delta, reservedDelta: 0 });
}

export function reserve(b: Balance, qty: number): Result<Movement, StockRejection> {
  if (!isQuantity(qty)) return err('not_positive');
  if (qty > available(b)) return err('insufficient_stock');
  return ok({ kind: 'reserve', qty, onHandDelta: 0, reservedDelta: qty });
}

export function release(b: Balance, qty: number): Result<Movement, StockRejection> {
  if (!isQuantity(qty)) return err('not_positive');
  if (qty > b.reserved) return err('not_reserved');
  return ok({ kind: 'release', qty, onHandDelta: 0, reservedDelta: -qty });
}

/** Sells reserved stock: it leaves the shelf and the promise together. */
export function sellReserved(b: Balance, qty: number): Result<Movement, StockRejection> {
  if (!isQuantity(qty)) return err('not_positive');
  if (qty > b.reserved) return err('not_reserved');
  return ok({ kind: 'sell', qty, onHandDelta: -qty, reservedDelta: -qty });
}

export interface Allocation {
  sku: string;
  location: string;
  qty: number;
}

/**
 * Chooses, for each line, one location that can supply all of it: the one
 * with the most available stock, which spreads load and keeps lines whole.
 * Earlier lines' allocations count against later lines of the same SKU.
 */
export function allocate(
  lines: { sku: string; qty: number }[],
  stockOf: (sku: string) => { location: string; balance: Balance }[],
): Result<Allocation[], { sku: string }> {
  const allocations: Allocation[] = [];
  const taken = (sku: string, location: string) =>
    allocations.filter((a) => a.sku === sku && a.location === location).reduce((sum, a) => sum + a.qty, 0);
  for (const line of lines) {
    const best = stockOf(line.sku)
      .map((s) => ({ location: s.location, free: available(s.balance) - taken(line.sku, s.location) }))
      .filter((s) => s.free >= line.qty)
      .sort((a, b) => b.free - a.free || a.location.localeCompare(b.location))[0];
    if (!best) return err({ sku: line.sku });
    allocations.push({ sku: line.sku, location: best.location, qty: line.qty });
  }
  return ok(allocations);
}

export type ReservationStatus = 'held' | 'committed' | 'released' | 'expired' | 'sold';

/** Why an order's stock cannot be held: an SKU the brand does not sell, or one short of stock. */
export interface HoldRefusal {
  reason: 'unknown_sku' | 'insufficient_stock';
  sku: string;
}

/** A line held at a location, and the movement that promises it there. */
export interface HeldLine extends Allocation {
  movement: Movement;
}

/**
 * Holds an order's lines, all or nothing: each line at one location (see
 * allocate), reserved there. `stockOf` is the stock each SKU may be taken
 * from, or undefined for an SKU the brand does not sell; the first such SKU
 * of the lines refuses the hold before any stock is weighed.
 */
export function hold(
  lines: { sku: string; qty: number }[],
  stockOf: (sku: string) => { location: string; balance: Balance }[] | undefined,
): Result<HeldLine[], HoldRefusal> {
  const unknown = lines.find((l) => !stockOf(l.sku));
  if (unknown) return err({ reason: 'unknown_sku', sku: unknown.sku });
  const stock = (sku: string) => stockOf(sku) ?? [];
  const allocation = allocate(lines, stock);
  if (!allocation.ok) return err({ reason: 'insufficient_stock', sku: allocation.error.sku });
  return ok(
    allocation.value.map((a) => {
      const movement = reserve(stock(a.sku).find((s) => s.location === a.location)?.balance ?? EMPTY, a.qty);
      if (!movement.ok) throw new Error(`allocation chose ${a.location} for ${a.sku} without stock`);
      return { ...a, movement: movement.value };
    }),
  );
}
