/**
 * Webhooks as the business says them, over plain data: which subscriptions an
 * event goes to, which delivery of a key may go now, how long to wait after a
 * failure, when to give up, and how far behind a subscription is.
 */

/** Subscribing to this instead of event types takes every event of the brand. */
export const ALL_EVENTS = '*';

export type DeliveryStatus = 'pending' | 'delivered' | 'parked';

/** Whether a subscription to `types` takes an event of `type`. */
export function matches(types: readonly string[], type: string): boolean {
  return types.includes(ALL_EVENTS) || types.includes(type);
}

export interface RetrySchedule {
  /** Attempts before a delivery is parked. */
  attempts: number;
  /** The wait after the first failure; each further failure doubles it. */
  baseMs: number;
  /** The longest wait between two attempts. */
  maxMs: number;
}

/** What becomes of a delivery after a failed attempt (its `attempts`-th): tried again after a wait, or parked. */
export function afterFailure(attempts: number, schedule: RetrySchedule): { status: 'pending'; waitMs: number } | { status: 'parked' } {
  if (attempts >= schedule.attempts) return { status: 'parked' };
  return { status: 'pending', waitMs: Math.min(schedule.maxMs, schedule.baseMs * 2 ** (attempts - 1)) };
}

/** Whether a receiver's answer counts as received: any 2xx. Redirects are not followed; anything else is tried again. */
export const accepted = (status: number): boolean => status >= 200 && status < 300;

export interface Queued {
  id: string;
  subscriptionId: string;
  key: string;
  seq: number;
  status: DeliveryStatus;
  nextAttemptAt: string;
  leasedUntil: string | null;
}

/**
 * The deliveries that may be sent now, from a subscription's undelivered
 * deliveries in event order: per key only the first (one order's events
 * arrive in order), and only when it is due and no one else is sending it.
 * A parked first delivery holds back the rest of its key until it is replayed.
 */
export function sendable(queued: readonly Queued[], now: string): Queued[] {
  const heads = new Map<string, Queued>();
  for (const d of [...queued].sort((a, b) => a.seq - b.seq)) {
    const lane = `${d.subscriptionId}\u0000${d.key}`;
    if (!heads.has(lane)) heads.set(lane, d);
  }
  return [...heads.values()].filter((d) => d.status === 'pending' && d.nextAttemptAt <= now && (d.leasedUntil === null || d.leasedUntil <= now));
}

/** How far behind a subscription is: seconds since its oldest undelivered event happened; 0 when it has none. */
export function lagSeconds(oldestUndelivered: string | null | undefined, now: Date): number {
  if (!oldestUndelivered) return 0;
  return Math.max(0, Math.round((now.getTime() - new Date(oldestUndelivered).getTime()) / 1000));
}

export interface Secrets {
  secret: string;
  previousSecret: string | null;
  /** Until when the previous secret still signs too, after a rotation that asked for an overlap. */
  previousUntil: string | null;
}

/** The secrets a delivery is signed with now: the current one, and the previous one during a rotation's overlap. */
export function signingSecrets(s: Secrets, now: string): string[] {
  return s.previousSecret && s.previousUntil && s.previousUntil > now ? [s.secret, s.previousSecret] : [s.secret];
}

/** A URL a subscription may send to: http or https, with a host, and no credentials in it. Undefined when fine, else why not. */
export function endpointProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (parsed.username || parsed.password) return 'must not carry credentials; the signature authenticates the platform';
  if (parsed.hash) return 'must not have a #fragment';
  return undefined;
}
