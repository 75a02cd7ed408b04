/**
 * The mix of the night: what a new arrival does (browse, order online with
 * or without a coupon, buy at a till), and how often a journey takes each
 * turn afterwards (cancel, collect instead of ship, return). Plain data and
 * a weighted choice, so a test can check the mix without a server.
 */

export type Arrival = 'browse_styles' | 'browse_style' | 'browse_stock' | 'order' | 'order_coupon' | 'order_hot' | 'till_cash' | 'till_wallet';

export interface Mix {
  /** Relative weights of what a new arrival does. */
  arrivals: Record<Arrival, number>;
  /** Share of online orders the customer cancels soon after placing them. */
  cancel: number;
  /** Share of online orders sent twice with the same Idempotency-Key (a retry after a lost answer). */
  resend: number;
  /** Share of claimed online orders collected in store (the rest are shipped). */
  collect: number;
  /** Share of completed orders brought back (one unit of one line). */
  returns: number;
  /** Share of till sales made to a member (by customer id), the rest to walk-in customers. */
  tillMember: number;
  /** Share of online orders with two lines (two locations may hold them: several stores race to claim). */
  twoLines: number;
}

export const DEFAULT_MIX: Mix = {
  arrivals: { browse_styles: 12, browse_style: 14, browse_stock: 14, order: 24, order_coupon: 8, order_hot: 6, till_cash: 12, till_wallet: 10 },
  cancel: 0.06,
  resend: 0.03,
  collect: 0.3,
  returns: 0.08,
  tillMember: 0.4,
  twoLines: 0.35,
};

/** A weighted choice of arrival: `u` is uniform in [0, 1). */
export function chooseArrival(mix: Mix, u: number): Arrival {
  const entries = Object.entries(mix.arrivals) as [Arrival, number][];
  const total = entries.reduce((a, [, w]) => a + w, 0);
  let at = u * total;
  for (const [kind, w] of entries) {
    if (at < w) return kind;
    at -= w;
  }
  return entries[entries.length - 1]![0];
}
