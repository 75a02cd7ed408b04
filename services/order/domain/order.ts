import { err, ok, type Result } from '@omnishop/kit';

/** The channel of a sale at a store's till: paid there and handed over there, never fulfilled. */
export const TILL_CHANNEL = 'pos';
export const isTillSale = (channel: string): boolean => channel === TILL_CHANNEL;

/** The customer of a till sale to someone who is not a member: their order earns no points. */
export const WALK_IN_CUSTOMER = 'walk-in';

/**
 * An order is a saga. It is placed `pending`; it waits for two answers, in
 * either order: inventory holds its stock, and promotion redeems its coupons
 * (an order with none has that answer at once). With both it is
 * `awaiting_payment` for what is due after coupons (or `confirmed` at once
 * when nothing is due); the payment's capture confirms it. A till sale is
 * handed over as soon as it is paid, so it completes in the same step.
 *
 * Any refusal before payment rejects it; a failed, cancelled or timed-out
 * payment, or the customer, cancels it. Rejection and cancellation are the
 * compensations: the events they emit make inventory release the stock,
 * promotion give the coupons back and payment cancel (or refund) the payment.
 *
 *   pending ─(stock held + coupons redeemed)─► awaiting_payment ─paid─► confirmed ─handed over─► completed ─all returned─► returned
 *      └─ stock refused / coupon refused / hold expired ─► rejected
 *   pending, awaiting_payment, confirmed ─cancel─► cancelled
 */
export const ORDER_STATUSES = ['pending', 'awaiting_payment', 'confirmed', 'rejected', 'cancelled', 'completed', 'returned'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PAYMENT_METHODS = ['wallet', 'cash'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** What the saga knows of an order. */
export interface SagaState {
  status: OrderStatus;
  channel: string;
  subtotal: number;
  discount: number;
  stockHeld: boolean;
  couponsSettled: boolean;
}

/** What happened to an order: an answer from another service, a timer, or a person. */
export type SagaInput =
  | { kind: 'stock_held' }
  | { kind: 'stock_refused'; reason: string }
  | { kind: 'hold_expired' }
  | { kind: 'coupons_redeemed'; discount: number }
  | { kind: 'coupons_refused'; reason: string }
  | { kind: 'paid' }
  | { kind: 'payment_failed'; reason: string }
  | { kind: 'payment_timed_out' }
  | { kind: 'cancel'; reason: string; byCustomer: boolean }
  | { kind: 'hand_over' };

/** The order's events a step emits, in order. */
export type SagaEffect = 'PaymentRequested' | 'OrderConfirmed' | 'OrderRejected' | 'OrderCancelled' | 'OrderCompleted';

export interface SagaStep {
  state: SagaState;
  /** The statuses the order passed through, each with its reason, for its history. */
  statuses: { status: OrderStatus; reason: string | null }[];
  effects: SagaEffect[];
}


/** What the customer owes: the subtotal less coupons. */
export const amountDue = (s: Pick<SagaState, 'subtotal' | 'discount'>): number => Math.max(0, s.subtotal - s.discount);

const CANCELLABLE: readonly OrderStatus[] = ['pending', 'awaiting_payment', 'confirmed'];

/**
 * The next step of the saga: the new state, what the order went through and
 * what it emits; or, when the input does not apply to the order as it is (a
 * late or repeated answer), why not. Plain data in, plain data out.
 */
export function step(state: SagaState, input: SagaInput): Result<SagaStep, string> {
  const refuse = (what: string) => err(`cannot ${what}: the order is ${state.status}`);
  const moved = (next: Partial<SagaState>, statuses: SagaStep['statuses'], effects: SagaEffect[]): Result<SagaStep, string> =>
    ok({ state: { ...state, ...next, status: statuses.at(-1)?.status ?? state.status }, statuses, effects });

  switch (input.kind) {
    case 'stock_held':
      if (state.status !== 'pending' || state.stockHeld) return refuse('hold stock');
      return settle({ ...state, stockHeld: true });
    case 'coupons_redeemed':
      if (state.status !== 'pending' || state.couponsSettled) return refuse('redeem coupons');
      return settle({ ...state, couponsSettled: true, discount: Math.min(input.discount, state.subtotal) });
    case 'stock_refused':
    case 'coupons_refused':
      if (state.status !== 'pending') return refuse('reject');
      return moved({}, [{ status: 'rejected', reason: input.reason }], ['OrderRejected']);
    case 'hold_expired':
      // The hold ran out before it was kept: a pending order was never accepted; a later one is called off
      // (a paid one too: payment and expiry race across services, and without its stock it cannot be
      // fulfilled; its cancellation refunds the payment).
      if (state.status === 'pending') return moved({}, [{ status: 'rejected', reason: 'reservation_expired' }], ['OrderRejected']);
      if (state.status === 'awaiting_payment' || state.status === 'confirmed') return moved({}, [{ status: 'cancelled', reason: 'reservation_expired' }], ['OrderCancelled']);
      return refuse('expire the hold');
    case 'paid':
      if (state.status !== 'awaiting_payment') return refuse('confirm payment');
      return confirm(state);
    case 'payment_failed':
      if (state.status !== 'awaiting_payment') return refuse('fail payment');
      return moved({}, [{ status: 'cancelled', reason: input.reason }], ['OrderCancelled']);
    case 'payment_timed_out':
      if (state.status !== 'awaiting_payment') return refuse('time out payment');
      return moved({}, [{ status: 'cancelled', reason: 'payment_timeout' }], ['OrderCancelled']);
    case 'cancel':
      // Once paid, the order may be on its way: only staff, who can see the parcel, call it off.
      if (input.byCustomer && state.status === 'confirmed') return err('cannot cancel: the order is paid and being fulfilled; ask the store');
      if (!CANCELLABLE.includes(state.status)) return refuse('cancel');
      return moved({}, [{ status: 'cancelled', reason: input.reason }], ['OrderCancelled']);
    case 'hand_over':
      if (state.status !== 'confirmed') return refuse('hand over');
      return moved({}, [{ status: 'completed', reason: null }], ['OrderCompleted']);
  }
}

/** With stock held and coupons redeemed, the amount due is final: ask for it, or confirm when nothing is due. */
function settle(state: SagaState): Result<SagaStep, string> {
  if (!state.stockHeld || !state.couponsSettled) return ok({ state, statuses: [], effects: [] });
  if (amountDue(state) === 0) return confirm(state);
  return ok({ state: { ...state, status: 'awaiting_payment' }, statuses: [{ status: 'awaiting_payment', reason: null }], effects: ['PaymentRequested'] });
}

function confirm(state: SagaState): Result<SagaStep, string> {
  if (isTillSale(state.channel)) {
    return ok({
      state: { ...state, status: 'completed' },
      statuses: [
        { status: 'confirmed', reason: null },
        { status: 'completed', reason: 'handed over at the till' },
      ],
      effects: ['OrderConfirmed', 'OrderCompleted'],
    });
  }
  return ok({ state: { ...state, status: 'confirmed' }, statuses: [{ status: 'confirmed', reason: null }], effects: ['OrderConfirmed'] });
}

/** Stock held until `expiresAt` counts only while the hold lasts. */
export const holdIsLive = (expiresAt: string, now: Date): boolean => Date.parse(expiresAt) > now.getTime();

/** A line of an order, with what was paid for it and how much of it came back already. */
export interface PaidLine {
  sku: string;
  qty: number;
  unitPrice: number;
  discount: number;
  returnedQty: number;
}

export interface ReturnRequest {
  sku: string;
  qty: number;
}

export interface ReturnRejection {
  field: string;
  message: string;
}

/** What `n` units of a line are worth of what was paid for the line; the last unit takes the rounding, so a full return refunds it exactly. */
const paidFor = (line: PaidLine, n: number): number => Math.floor(((line.unitPrice * line.qty - line.discount) * n) / line.qty);

/**
 * A return of some units of a completed order: what each returned unit is
 * worth is its share of what was paid for its line, coupons included.
 * Returns the refund, and whether the order is then wholly returned.
 */
export function planReturn(
  status: OrderStatus,
  lines: readonly PaidLine[],
  request: readonly ReturnRequest[],
): Result<{ amount: number; lines: { sku: string; qty: number; returnedQty: number }[]; wholly: boolean }, ReturnRejection> {
  if (status !== 'completed') return err({ field: 'path.id', message: `is ${status}; only a completed order can be returned` });
  let amount = 0;
  const seen = new Set<string>();
  const returned: { sku: string; qty: number; returnedQty: number }[] = [];
  for (const [index, r] of request.entries()) {
    const field = `body.lines.${index}`;
    if (seen.has(r.sku)) return err({ field: `${field}.sku`, message: 'repeats an earlier line' });
    seen.add(r.sku);
    const line = lines.find((l) => l.sku === r.sku);
    if (!line) return err({ field: `${field}.sku`, message: 'is not a line of this order' });
    const left = line.qty - line.returnedQty;
    if (r.qty > left) return err({ field: `${field}.qty`, message: `must be at most ${left}, what is left of the line to return` });
    amount += paidFor(line, line.returnedQty + r.qty) - paidFor(line, line.returnedQty);
    returned.push({ sku: r.sku, qty: r.qty, returnedQty: line.returnedQty + r.qty });
  }
  const wholly = lines.every((l) => (returned.find((r) => r.sku === l.sku)?.returnedQty ?? l.returnedQty) === l.qty);
  return ok({ amount, lines: returned, wholly });
}
