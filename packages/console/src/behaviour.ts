import type { BehaviourRecord, KeptBehaviour } from '@omnishop/kit';

/** What the console looks for in the behaviour log: one request or event, the work of some traces (an order's), or one user's. */
export interface BehaviourQuery {
  requestId?: string;
  /** the traces about an order, as the trace routes find them */
  traceIds?: ReadonlySet<string>;
  customer?: string;
  /** the caller's brand; undefined for a platform operator, who sees every brand's */
  tenant?: string;
}

/** Whether a record meets every criterion given. */
export const matching =
  (q: BehaviourQuery) =>
  (r: BehaviourRecord): boolean =>
    (q.tenant === undefined || r.tenant === q.tenant) &&
    (q.requestId === undefined || r.requestId === q.requestId) &&
    (q.traceIds === undefined || (r.traceId !== undefined && q.traceIds.has(r.traceId))) &&
    (q.customer === undefined || r.principal === q.customer);

/** The newest `limit` records, newest first. */
export const newestFirst = (records: readonly KeptBehaviour[], limit: number): KeptBehaviour[] => [...records].sort((a, b) => b.at - a.at).slice(0, limit);

/** A query as a peer is asked it in a query string (`traces` comma-separated), and read back from one. */
export function queryString(q: Omit<BehaviourQuery, 'tenant'>): string {
  const search = new URLSearchParams();
  if (q.requestId !== undefined) search.set('requestId', q.requestId);
  if (q.customer !== undefined) search.set('customer', q.customer);
  if (q.traceIds !== undefined) search.set('traces', [...q.traceIds].join(','));
  return search.toString();
}

export function fromQueryString(q: { requestId?: string; customer?: string; traces?: string }): Omit<BehaviourQuery, 'tenant'> {
  return {
    ...(q.requestId !== undefined ? { requestId: q.requestId } : {}),
    ...(q.customer !== undefined ? { customer: q.customer } : {}),
    ...(q.traces !== undefined ? { traceIds: new Set(q.traces ? q.traces.split(',') : []) } : {}),
  };
}
