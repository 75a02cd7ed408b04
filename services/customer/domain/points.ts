import { err, ok, type Result } from '@omnishop/kit';

/**
 * Loyalty points are a ledger: every change is an entry, and a member's
 * balance is what the entries add up to. A completed order earns once, 1 point
 * per yuan it was paid; each refund of it takes back the refunded share. What
 * an order keeps depends only on what was paid and what was refunded in all
 * (`pointsKept`), so refunds before or after completion, one or many, end the
 * same. A reversal never takes the balance below zero.
 */

export type PointsReason = 'earned' | 'reversed' | 'adjusted';
export type Tier = 'bronze' | 'silver' | 'gold';

export interface PointsEntry {
  /** The order an `earned` or `reversed` entry belongs to; null for an adjustment. */
  orderId: string | null;
  delta: number;
  reason: PointsReason;
}

/** 1 point per yuan spent; order totals are in fen. */
export const FEN_PER_POINT = 100;

/** The lifetime points from which a tier starts, highest first. */
export const TIERS: readonly { tier: Tier; from: number }[] = [
  { tier: 'gold', from: 5000 },
  { tier: 'silver', from: 1000 },
  { tier: 'bronze', from: 0 },
];

/** Points an order of this total (fen) earns: whole yuan, rounded down. */
export function pointsFor(total: number): number {
  return Number.isFinite(total) && total > 0 ? Math.floor(total / FEN_PER_POINT) : 0;
}

/**
 * The points an order keeps once `refunded` of its `paid` total was given
 * back: what it earns, less the refunded share rounded down. Partial refunds
 * thus take back floor(earned × refunded / paid) in all, which is exactly what
 * was earned once everything is refunded.
 */
export function pointsKept(paid: number, refunded: number): number {
  const earned = pointsFor(paid);
  if (earned === 0) return 0;
  const share = Math.min(Math.max(refunded, 0), paid);
  return earned - Math.floor((earned * share) / paid);
}

export function tierFor(lifetime: number): Tier {
  return (TIERS.find((t) => lifetime >= t.from) ?? TIERS[TIERS.length - 1]!).tier;
}

export const balanceOf = (entries: readonly PointsEntry[]): number => entries.reduce((sum, e) => sum + e.delta, 0);

/** Where a member stands with one order: the balance, what the order earned (if anything), and what it holds now. */
export interface Standing {
  balance: number;
  earned: number | undefined;
  /** What the order earned less what was reversed of it so far. */
  held: number;
}

/** The same standing from a member's entries; the database computes it with queries. */
export function standingOf(entries: readonly PointsEntry[], orderId: string): Standing {
  const ofOrder = entries.filter((e) => e.orderId === orderId);
  return { balance: balanceOf(entries), earned: ofOrder.find((e) => e.reason === 'earned')?.delta, held: balanceOf(ofOrder) };
}

/** What was paid for an order, and what of it was refunded so far. */
export interface Paid {
  paid: number;
  refunded: number;
}

export type EarnRejection = 'already_earned' | 'nothing_to_earn';

/** The entry a completed order earns: the points it keeps after what was refunded before it completed. */
export function earning(s: Standing, orderId: string, order: Paid): Result<PointsEntry, EarnRejection> {
  if (s.earned !== undefined) return err('already_earned');
  const points = pointsKept(order.paid, order.refunded);
  if (points === 0) return err('nothing_to_earn');
  return ok({ orderId, delta: points, reason: 'earned' });
}

export type ReverseRejection = 'not_earned' | 'nothing_due' | 'nothing_left';

/**
 * The entry a refund takes back: what the order holds beyond what it keeps
 * after all refunds so far, but never more than the member's balance. What a
 * low balance kept from a reversal is still due: the order's next refund
 * takes it, if the balance allows by then.
 */
export function reversal(s: Standing, orderId: string, order: Paid): Result<PointsEntry, ReverseRejection> {
  if (s.earned === undefined) return err('not_earned');
  const due = s.held - pointsKept(order.paid, order.refunded);
  if (due <= 0) return err('nothing_due');
  const points = Math.min(due, Math.max(s.balance, 0));
  if (points === 0) return err('nothing_left');
  return ok({ orderId, delta: -points, reason: 'reversed' });
}

/** A manual correction (goodwill, a spend): may not take the balance below zero. */
export function adjustment(balance: number, delta: number): Result<PointsEntry, 'below_zero' | 'not_whole'> {
  if (!Number.isInteger(delta) || delta === 0) return err('not_whole');
  if (balance + delta < 0) return err('below_zero');
  return ok({ orderId: null, delta, reason: 'adjusted' });
}
