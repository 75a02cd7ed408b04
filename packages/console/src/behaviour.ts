import type { KeptBehaviour } from '@omnishop/kit';

/** What the console looks for in the behaviour log: one request or event, the work of some traces (an order's), or one user's. */
export interface BehaviourQuery {
  requestId?: string;
  /** the traces about an order, as the trace routes find them */
  traceIds?: ReadonlySet<string>;
  customer?: string;
  /** the caller's brand; undefined for a platform operator, who sees every brand's */
  tenant?: string;
  limit: number;
}

/** The records that match every criterion given, newest first. */
export function findBehaviour(records: readonly KeptBehaviour[], q: BehaviourQuery): KeptBehaviour[] {
  return records
    .filter(
      (r) =>
        (q.tenant === undefined || r.tenant === q.tenant) &&
        (q.requestId === undefined || r.requestId === q.requestId) &&
        (q.traceIds === undefined || (r.traceId !== undefined && q.traceIds.has(r.traceId))) &&
        (q.customer === undefined || r.principal === q.customer),
    )
    .sort((a, b) => b.at - a.at)
    .slice(0, q.limit);
}
