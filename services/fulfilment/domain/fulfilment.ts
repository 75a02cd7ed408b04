import { err, ok, type Result } from '@omnishop/kit';

/**
 * offered ─claim─► claimed ─book─► booked ─ship─► shipped ─receive─► received     (mode ship)
 *    ▲                │  └─ready─► ready ─collect─► collected                       (mode collect)
 *    └──give_back─────┘
 * A claimed order has no mode yet: its first step (book or ready) fixes it, because an
 * order does not yet say how the customer wants it (OrderPlaced carries no delivery choice).
 * A cancelled order stops being fulfilled until it has left the store (shipped or collected).
 * received, collected and cancelled are final.
 */
export type FulfilmentStatus = 'offered' | 'claimed' | 'booked' | 'shipped' | 'received' | 'ready' | 'collected' | 'cancelled';
export type FulfilmentAction = 'claim' | 'give_back' | 'book' | 'ship' | 'receive' | 'ready' | 'collect' | 'cancel';
export type FulfilmentMode = 'ship' | 'collect';

const TRANSITIONS: Record<FulfilmentStatus, Partial<Record<FulfilmentAction, FulfilmentStatus>>> = {
  offered: { claim: 'claimed', cancel: 'cancelled' },
  claimed: { give_back: 'offered', book: 'booked', ready: 'ready', cancel: 'cancelled' },
  booked: { ship: 'shipped', cancel: 'cancelled' },
  shipped: { receive: 'received' },
  received: {},
  ready: { collect: 'collected', cancel: 'cancelled' },
  collected: {},
  cancelled: {},
};

/** The mode an action commits the order to, if it does. */
export const MODE_OF: Partial<Record<FulfilmentAction, FulfilmentMode>> = { book: 'ship', ready: 'collect' };

/** The status a fulfilment moves to, or why it cannot. */
export function transition(from: FulfilmentStatus, action: FulfilmentAction): Result<FulfilmentStatus, string> {
  const to = TRANSITIONS[from][action];
  return to ? ok(to) : err(`an order that is ${from} cannot ${action.replace('_', ' ')}`);
}

export const isStore = (location: string) => location.startsWith('ST_');
export const isWarehouse = (location: string) => location.startsWith('WH_');

/** Offer rounds: 1 = stores holding the order's stock, 2 = every store known, 3 = warehouses. */
export type Round = 1 | 2 | 3;
export const LAST_ROUND: Round = 3;

/**
 * Who an order is offered to in a round. `orderLocations` are where its stock is held;
 * `knownLocations` every location this service has seen in any reservation of the brand
 * (it keeps no store register of its own: round 2 is "all stores we know of").
 * Round 3 offers the warehouses known, or those holding the order's stock if none are known.
 * Sorted and without duplicates.
 */
export function offereesFor(round: Round, orderLocations: readonly string[], knownLocations: readonly string[]): string[] {
  const uniq = (xs: readonly string[]) => [...new Set(xs)].sort();
  switch (round) {
    case 1:
      return uniq(orderLocations.filter(isStore));
    case 2:
      return uniq([...orderLocations, ...knownLocations].filter(isStore));
    case 3:
      return uniq([...orderLocations, ...knownLocations].filter(isWarehouse));
  }
}

/** The round after this one, or undefined when the last round has been reached. */
export const nextRound = (round: number): Round | undefined => (round < LAST_ROUND ? ((round + 1) as Round) : undefined);

/** Whether an offer made at `offeredAt` has gone unclaimed for `timeoutSeconds` by `now`. */
export function isDue(offeredAt: string | Date, now: Date, timeoutSeconds: number): boolean {
  return now.getTime() - new Date(offeredAt).getTime() >= timeoutSeconds * 1000;
}
