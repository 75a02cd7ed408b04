import { describe, expect, it } from 'vitest';
import type { KeptBehaviour } from '@omnishop/kit';
import { findBehaviour } from '../src/behaviour.js';

const record = (at: number, fields: Partial<KeptBehaviour>): KeptBehaviour => ({ at, service: 'order', kind: 'request', action: 'POST /api/orders', status: 201, latencyMs: 1, requestId: `r${at}`, tenant: 'acme', ...fields });

describe('finding behaviour records', () => {
  const records = [
    record(1, { principal: 'ann', traceId: 't1' }),
    record(2, { kind: 'event', action: 'OrderPlaced', service: 'inventory', traceId: 't1', requestId: 'event-1' }),
    record(3, { principal: 'bob', traceId: 't2' }),
    record(4, { principal: 'ann', traceId: 't3', tenant: 'other' }),
  ];

  it("finds an order's records through its traces, newest first", () => {
    expect(findBehaviour(records, { traceIds: new Set(['t1']), tenant: 'acme', limit: 10 }).map((r) => r.at)).toEqual([2, 1]);
  });

  it("finds one request or event by its id, and a customer's records by who they are, within the caller's brand", () => {
    expect(findBehaviour(records, { requestId: 'event-1', tenant: 'acme', limit: 10 }).map((r) => r.at)).toEqual([2]);
    expect(findBehaviour(records, { customer: 'ann', tenant: 'acme', limit: 10 }).map((r) => r.at)).toEqual([1]);
    expect(findBehaviour(records, { customer: 'ann', limit: 10 }).map((r) => r.at)).toEqual([4, 1]);
  });

  it('keeps to the limit, the newest', () => {
    expect(findBehaviour(records, { limit: 2 }).map((r) => r.at)).toEqual([4, 3]);
  });
});
