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

/** An action as the store does it, for saying what to do first. */
const DOING: Record<FulfilmentAction, string> = {
  claim: 'claim it',
  give_back: 'give it back',
  book: 'book a courier (POST .../book with carrier and tracking)',
  ship: 'ship it',
  receive: 'have the customer confirm receipt',
  ready: 'ready it for pickup',
  collect: 'hand it to the customer',
  cancel: 'cancel it',
};

/** The action that leads from `from` to a status where `action` can be taken, if one does. */
function stepBefore(from: FulfilmentStatus, action: FulfilmentAction): FulfilmentAction | undefined {
  const next = Object.entries(TRANSITIONS[from]) as [FulfilmentAction, FulfilmentStatus][];
  return next.find(([, status]) => TRANSITIONS[status][action])?.[0];
}

/** The status a fulfilment moves to, or why it cannot, and what to do first when one step would make it possible. */
export function transition(from: FulfilmentStatus, action: FulfilmentAction): Result<FulfilmentStatus, string> {
  const to = TRANSITIONS[from][action];
  if (to) return ok(to);
  const first = stepBefore(from, action);
  return err(`an order that is ${from} cannot ${action.replace('_', ' ')}${first ? `: ${DOING[first]} first` : ''}`);
}

/** Why a store may not claim an order: another store claimed it first or it is past being offered, or it was not offered to this store. */
export type ClaimRefusal = { kind: 'taken'; reason: string } | { kind: 'not_offered' };

/**
 * A store's claim of an order: the first claim of an order offered to it wins ('claim'); the winner asking
 * again (a retry after a lost answer) is told it holds the order, as the first time ('held').
 */
export function claimBy(
  f: { status: FulfilmentStatus; claimedBy: string | null },
  store: string,
  offeredToStore: boolean,
): Result<'claim' | 'held', ClaimRefusal> {
  if (f.status === 'claimed' && f.claimedBy === store) return ok('held');
  if (f.status !== 'offered') return err({ kind: 'taken', reason: `is ${f.status}${f.claimedBy ? ` by ${f.claimedBy}` : ''}` });
  return offeredToStore ? ok('claim') : err({ kind: 'not_offered' });
}

/** Whether a store may take the steps of an order: unless another store holds it. */
export const mayWorkOn = (claimedBy: string | null, store: string): boolean => claimedBy === null || claimedBy === store;

export type LocationType = 'store' | 'warehouse';

/** A place an order can be offered to: from the store register (StoreOpened), or known only from a reservation. */
export interface Location {
  code: string;
  /** Undefined for a code the register does not know and whose name says nothing (not ST_ or WH_). */
  type: LocationType | undefined;
  active: boolean;
}

/** A location the register does not (yet) know, typed by the naming the demo brand uses: ST_ stores, WH_ warehouses. */
export function unregistered(code: string): Location {
  const type = code.startsWith('ST_') ? 'store' : code.startsWith('WH_') ? 'warehouse' : undefined;
  return { code, type, active: true };
}

/** Offer rounds: 1 = the locations holding the order's stock, stores and warehouses alike; 2 = every store known; 3 = every warehouse known. */
export type Round = 1 | 2 | 3;
export const LAST_ROUND: Round = 3;

/**
 * Who an order is offered to in a round. `orderLocations` are where its stock is held:
 * they can fulfil it at once, so round 1 offers it to them whatever they are (a warehouse
 * holding the stock must not wait for rounds 2 and 3). `knownLocations` every location of
 * the brand this service knows: the store register (StoreOpened, StoreChanged) and any
 * location seen in a reservation. Closed locations are offered nothing. Sorted and without duplicates.
 */
export function offereesFor(round: Round, orderLocations: readonly Location[], knownLocations: readonly Location[]): string[] {
  const codes = (xs: readonly Location[]) => [...new Set(xs.filter((l) => l.active).map((l) => l.code))].sort();
  const pick = (xs: readonly Location[], type: LocationType) => codes(xs.filter((l) => l.type === type));
  switch (round) {
    case 1:
      return codes(orderLocations);
    case 2:
      return pick([...orderLocations, ...knownLocations], 'store');
    case 3:
      return pick([...orderLocations, ...knownLocations], 'warehouse');
  }
}

/** The round after this one, or undefined when the last round has been reached. */
export const nextRound = (round: number): Round | undefined => (round < LAST_ROUND ? ((round + 1) as Round) : undefined);

/** The round a given-back order is offered in: the next, or the last again. */
export const roundAfterGiveBack = (round: number): Round => nextRound(round) ?? LAST_ROUND;

/** Whether an offer made at `offeredAt` has gone unclaimed for `timeoutSeconds` by `now`. */
export function isDue(offeredAt: string | Date, now: Date, timeoutSeconds: number): boolean {
  return now.getTime() - new Date(offeredAt).getTime() >= timeoutSeconds * 1000;
}
