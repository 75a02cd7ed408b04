import { err, ok, type Result } from '@omnishop/kit';

/**
 * Loyalty points are a ledger: every change is an entry, and a member's
 * balance is what the entries add up to. An order earns once and is reversed
 * at most once; a reversal takes back what the order earned, but never more
 * than the member still has, so the balance never goes negative.
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

export function tierFor(lifetime: number): Tier {
  return (TIERS.find((t) => lifetime >= t.from) ?? TIERS[TIERS.length - 1]!).tier;
}

export const balanceOf = (entries: readonly PointsEntry[]): number => entries.reduce((sum, e) => sum + e.delta, 0);

/** What orders earned, less what was reversed: the tier follows purchases, not goodwill adjustments. */
export const lifetimeOf = (entries: readonly PointsEntry[]): number =>
  entries.reduce((sum, e) => (e.reason === 'adjusted' ? sum : sum + e.delta), 0);

/** Where a member stands with one order: the balance, what the order earned (if anything), whether it was reversed. */
export interface Standing {
  balance: number;
  earned: number | undefined;
  reversed: boolean;
}

/** The same standing from a member's entries; the database computes it with queries. */
export function standingOf(entries: readonly PointsEntry[], orderId: string): Standing {
  const ofOrder = entries.filter((e) => e.orderId === orderId);
  return {
    balance: balanceOf(entries),
    earned: ofOrder.find((e) => e.reason === 'earned')?.delta,
    reversed: ofOrder.some((e) => e.reason === 'reversed'),
  };
}

export type EarnRejection = 'already_earned' | 'nothing_to_earn';

/** The entry a completed order earns. */
export function earning(s: Standing, orderId: string, total: number): Result<PointsEntry, EarnRejection> {
  if (s.earned !== undefined) return err('already_earned');
  const points = pointsFor(total);
  if (points === 0) return err('nothing_to_earn');
  return ok({ orderId, delta: points, reason: 'earned' });
}

export type ReverseRejection = 'not_earned' | 'already_reversed';

/**
 * The entry that takes back an order's points (a refund): what it earned, or
 * the whole balance if less is left. A reversal of zero is still recorded, so
 * the order cannot be reversed again once the balance has grown.
 */
export function reversal(s: Standing, orderId: string): Result<PointsEntry, ReverseRejection> {
  if (s.earned === undefined) return err('not_earned');
  if (s.reversed) return err('already_reversed');
  return ok({ orderId, delta: -Math.min(s.earned, Math.max(s.balance, 0)), reason: 'reversed' });
}

/** A manual correction (goodwill, a spend): may not take the balance below zero. */
export function adjustment(balance: number, delta: number): Result<PointsEntry, 'below_zero' | 'not_whole'> {
  if (!Number.isInteger(delta) || delta === 0) return err('not_whole');
  if (balance + delta < 0) return err('below_zero');
  return ok({ orderId: null, delta, reason: 'adjusted' });
}
