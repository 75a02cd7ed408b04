import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '@omnishop/kit';
import type { CouponKind, Template } from '@omnishop/pricing';

/**
 * The rules of setting up campaigns, templates and coupons: their codes, a
 * campaign's window, what each kind of template needs. The data they are
 * (Campaign, Template, CouponStatus) and what a coupon is worth in a cart are
 * @omnishop/pricing's, shared with the order service.
 */
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
