import { err, ok, type Result } from '@omnishop/kit';

export type OrderStatus = 'pending' | 'confirmed' | 'rejected' | 'cancelled' | 'completed';
export type OrderCommand = 'confirm' | 'reject' | 'cancel' | 'complete';

/**
 * The order state machine. An order starts pending; stock decides confirmed
 * or rejected; a live order can be cancelled; a confirmed one completed.
 * Rejected, cancelled and completed are final.
 */
const TRANSITIONS: Record<OrderStatus, Partial<Record<OrderCommand, OrderStatus>>> = {
  pending: { confirm: 'confirmed', reject: 'rejected', cancel: 'cancelled' },
  confirmed: { cancel: 'cancelled', complete: 'completed' },
  rejected: {},
  cancelled: {},
  completed: {},
};

export const isFinal = (status: OrderStatus): boolean => Object.keys(TRANSITIONS[status]).length === 0;

export function transition(from: OrderStatus, command: OrderCommand): Result<OrderStatus, string> {
  const to = TRANSITIONS[from][command];
  return to ? ok(to) : err(`cannot ${command} an order that is ${from}`);
}

/** Stock held until `expiresAt` can confirm an order only while the hold lasts. */
export const holdIsLive = (expiresAt: string, now: Date): boolean => Date.parse(expiresAt) > now.getTime();

export interface LineRequest {
  sku: string;
  qty: number;
}

export interface PricedLine extends LineRequest {
  unitPrice: number;
}

export interface Priced {
  lines: PricedLine[];
  total: number;
  currency: string;
}

export interface PricingRejection {
  index: number;
  message: string;
}

/** Prices each line from the catalogue's current prices; one currency per order, each SKU once. */
export function priceOrder(
  lines: LineRequest[],
  priceOf: (sku: string) => { price: number; currency: string } | undefined,
): Result<Priced, PricingRejection> {
  const seen = new Set<string>();
  const priced: PricedLine[] = [];
  let currency: string | undefined;
  for (const [index, line] of lines.entries()) {
    if (seen.has(line.sku)) return err({ index, message: 'repeats an earlier line; use one line with the total quantity' });
    seen.add(line.sku);
    const price = priceOf(line.sku);
    if (!price) return err({ index, message: 'is not a SKU of this brand' });
    if (currency && price.currency !== currency) return err({ index, message: `is priced in ${price.currency}, the order in ${currency}` });
    currency = price.currency;
    priced.push({ ...line, unitPrice: price.price });
  }
  return ok({ lines: priced, total: priced.reduce((sum, l) => sum + l.unitPrice * l.qty, 0), currency: currency ?? 'CNY' });
}
