import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '@omnishop/kit';

/**
 * Campaigns, coupon templates and coupons as plain data. A campaign pays for
 * its coupons' discounts out of a budget and runs for a time window; a
 * template says what a coupon is worth; a coupon is one template issued to
 * one customer, used at most once.
 */
export type CouponKind = 'fixed' | 'percent' | 'threshold';
export type CouponStatus = 'issued' | 'redeemed' | 'void';

export interface Campaign {
  code: string;
  /** ISO instants, UTC; the window is [startsAt, endsAt). */
  startsAt: string;
  endsAt: string;
  /** Minor units: what its coupons may discount in total, and what they have so far. */
  budget: number;
  spent: number;
}

export interface Template {
  code: string;
  campaign: string;
  kind: CouponKind;
  /** fixed, threshold: minor units off. */
  amount: number | null;
  /** percent: whole percent off, 1 to 100. */
  percent: number | null;
  /** threshold: the least spend (undiscounted subtotal) the coupon needs. */
  threshold: number | null;
  perCustomerLimit: number;
}

export type FieldRejection = { field: string; message: string };

/**
 * Coupon codes are read by scanners and, when a scanner fails, by people:
 * base32 without the look-alikes 0/O and 1/I, 12 characters (60 random bits,
 * so a code cannot be guessed). 32 divides 256, so `byte % 32` is unbiased.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CODE_LENGTH = 12;
export const CODE_PATTERN = `^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`;

export function newCouponCode(random: (n: number) => Uint8Array = randomBytes): string {
  return Array.from(random(CODE_LENGTH), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

/** Reads a client's instant; the schema checked its shape, this rejects what no clock shows (a leap second). */
export function instant(field: string, value: string): Result<string, FieldRejection> {
  const t = Date.parse(value);
  return Number.isNaN(t) ? err({ field, message: 'is not a valid date-time' }) : ok(new Date(t).toISOString());
}

/** A campaign's window, normalised to UTC so instants compare as strings. */
export function campaignWindow(draft: { startsAt: string; endsAt: string }): Result<{ startsAt: string; endsAt: string }, FieldRejection> {
  const startsAt = instant('body.startsAt', draft.startsAt);
  if (!startsAt.ok) return startsAt;
  const endsAt = instant('body.endsAt', draft.endsAt);
  if (!endsAt.ok) return endsAt;
  if (endsAt.value <= startsAt.value) return err({ field: 'body.endsAt', message: 'must be after startsAt' });
  return ok({ startsAt: startsAt.value, endsAt: endsAt.value });
}

export interface TemplateTerms {
  kind: CouponKind;
  amount?: number | undefined;
  percent?: number | undefined;
  threshold?: number | undefined;
}

/** What each kind needs, and nothing else: a field that does not belong is named, so the admin learns the rule. */
const FIELDS: Record<CouponKind, (keyof TemplateTerms)[]> = {
  fixed: ['amount'],
  percent: ['percent'],
  threshold: ['amount', 'threshold'],
};

export function templateTerms(t: TemplateTerms): Result<Pick<Template, 'kind' | 'amount' | 'percent' | 'threshold'>, FieldRejection> {
  const needed = FIELDS[t.kind];
  for (const field of ['amount', 'percent', 'threshold'] as const) {
    const given = t[field] !== undefined;
    if (needed.includes(field) && !given) return err({ field: `body.${field}`, message: `is required for a ${t.kind} coupon` });
    if (!needed.includes(field) && given) return err({ field: `body.${field}`, message: `does not apply to a ${t.kind} coupon` });
  }
  if (t.amount !== undefined && t.amount < 1) return err({ field: 'body.amount', message: 'must be at least 1' });
  if (t.kind === 'threshold' && t.amount! > t.threshold!) return err({ field: 'body.amount', message: 'may not exceed the threshold it rewards' });
  return ok({ kind: t.kind, amount: t.amount ?? null, percent: t.percent ?? null, threshold: t.threshold ?? null });
}

/** Minor units as the customer reads them: 1990 → "19.90". */
export function money(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/** What a coupon of this template is worth, in words: the "why" beside a discount. */
export function wording(t: Pick<Template, 'kind' | 'amount' | 'percent' | 'threshold'>): string {
  if (t.kind === 'percent') return `${t.percent}% off`;
  if (t.kind === 'fixed') return `${money(t.amount ?? 0)} off`;
  return `${money(t.amount ?? 0)} off a spend of ${money(t.threshold ?? 0)} or more`;
}
