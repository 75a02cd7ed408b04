import { err, ok, type Result } from '@omnishop/kit';

/** How a payment is taken: through the mobile wallet (asynchronous, the provider calls back) or in cash at the till. */
export type PaymentMethod = 'wallet' | 'cash';

/**
 * created ─capture─► captured ─refund─► refunded ─refund─► refunded (until all of it is given back)
 *    ├─fail─► failed
 *    └─cancel─► cancelled ─late_capture─► refunded (a success callback after the cancel: taken, and given back at once)
 * failed and cancelled are final. A refund may be partial; refunds together never pass the captured amount.
 */
export type IntentStatus = 'created' | 'captured' | 'failed' | 'refunded' | 'cancelled';
export type IntentAction = 'capture' | 'fail' | 'cancel' | 'refund' | 'late_capture';

const TRANSITIONS: Record<IntentStatus, Partial<Record<IntentAction, IntentStatus>>> = {
  created: { capture: 'captured', fail: 'failed', cancel: 'cancelled' },
  captured: { refund: 'refunded' },
  refunded: { refund: 'refunded' },
  failed: {},
  // The customer approved the charge after it was called off: the money came in, and goes straight back.
  cancelled: { late_capture: 'refunded' },
};

/** The status an intent moves to, or why it cannot. */
export function transition(from: IntentStatus, action: IntentAction): Result<IntentStatus, string> {
  const to = TRANSITIONS[from][action];
  return to ? ok(to) : err(`a ${from} payment cannot ${action}`);
}

/** Statuses in which money was taken (and some of it may have been given back). */
export const CAPTURED_STATUSES: readonly IntentStatus[] = ['captured', 'refunded'];

/** What is left to refund: the captured amount less what was refunded already; nothing if nothing was captured. */
export function refundable(intent: { status: IntentStatus; amount: number; refunded: number }): number {
  return CAPTURED_STATUSES.includes(intent.status) ? Math.max(0, intent.amount - intent.refunded) : 0;
}

export type RefundRejection = 'not_captured' | 'exceeds_refundable';

/** A refund of `amount`: the intent's new status and refunded total, or why not. */
export function planRefund(
  intent: { status: IntentStatus; amount: number; refunded: number },
  amount: number,
): Result<{ status: IntentStatus; refunded: number }, RefundRejection> {
  const to = transition(intent.status, 'refund');
  if (!to.ok) return err('not_captured');
  if (!Number.isInteger(amount) || amount < 1 || amount > refundable(intent)) return err('exceeds_refundable');
  return ok({ status: to.value, refunded: intent.refunded + amount });
}

/** How a payment stands to a reader: a refund that gave back only part of it is `partially_refunded`. */
export type PaymentStanding = IntentStatus | 'partially_refunded';

export function standing(intent: { status: IntentStatus; amount: number; refunded: number }): PaymentStanding {
  return intent.status === 'refunded' && intent.refunded < intent.amount ? 'partially_refunded' : intent.status;
}

/** The statuses of an order's one live payment (the others leave room for another attempt). */
export const LIVE_STATUSES: readonly IntentStatus[] = ['created', ...CAPTURED_STATUSES];

/** What cancelling its order does to a payment: cancel it before capture, refund what is left of it after, or nothing. */
export type Compensation = { kind: 'cancel' } | { kind: 'refund'; amount: number } | { kind: 'none' };

export function compensation(intent: { status: IntentStatus; amount: number; refunded: number }): Compensation {
  if (transition(intent.status, 'cancel').ok) return { kind: 'cancel' };
  const left = refundable(intent);
  return left > 0 ? { kind: 'refund', amount: left } : { kind: 'none' };
}

/** What a return refunds: what the goods are worth, but never more than is left to refund. */
export function returnRefund(intent: { status: IntentStatus; amount: number; refunded: number }, worth: number): number {
  return Math.min(Math.max(0, worth), refundable(intent));
}
