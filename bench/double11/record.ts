/**
 * What the clients were told, kept for the reconciliation: each order asked
 * for (by its Idempotency-Key, with every answer to it, resends included),
 * each claim a store made and its answer, and each 5xx. The platform's data
 * is checked against this afterwards: an order a client was told exists
 * must exist, once.
 */

export interface OrderAsk {
  key: string;
  channel: 'online' | 'till';
  /** The customer the order is for (a member's id, or the walk-in customer at a till). */
  customer: string;
  /** Every answer to this key: the first request and any resend with the same key. */
  answers: { status: number; id?: string }[];
}

export interface ClaimAnswer {
  orderId: string;
  store: string;
  status: number;
}

export interface ServerError {
  kind: string;
  method: string;
  path: string;
  status: number;
  at: string;
  detail?: string;
}

export interface ClientRecord {
  orders: OrderAsk[];
  claims: ClaimAnswer[];
  /** The first few 5xx (and requests left without an answer), named. */
  serverErrors: ServerError[];
  /** How many there were in all. A 503 with Retry-After (refused for load, asked again) is not one. */
  serverErrorCount: number;
}

export const emptyRecord = (): ClientRecord => ({ orders: [], claims: [], serverErrors: [], serverErrorCount: 0 });

export function mergeRecords(records: ClientRecord[]): ClientRecord {
  return {
    orders: records.flatMap((r) => r.orders),
    claims: records.flatMap((r) => r.claims),
    serverErrors: records.flatMap((r) => r.serverErrors),
    serverErrorCount: records.reduce((a, r) => a + r.serverErrorCount, 0),
  };
}

/** The ids of the orders clients were told were created (201, or 200 for a resend). */
export function acceptedIds(record: Pick<ClientRecord, 'orders'>): Set<string> {
  const ids = new Set<string>();
  for (const o of record.orders) for (const a of o.answers) if (a.id && a.status >= 200 && a.status < 300) ids.add(a.id);
  return ids;
}
