import { describe, expect, it } from 'vitest';
import { behaviourLog, createLogger, keptBehaviour, type KeptBehaviour } from '@omnishop/kit';
import { fromQueryString, matching, newestFirst, queryString, type BehaviourQuery } from '../src/behaviour.js';

const record = (at: number, fields: Partial<KeptBehaviour>): KeptBehaviour => ({ at, service: 'order', kind: 'request', action: 'POST /api/orders', status: 201, latencyMs: 1, requestId: `r${at}`, tenant: 'acme', ...fields });

describe('finding behaviour records', () => {
  const records = [
    record(1, { principal: 'ann', traceId: 't1' }),
    record(2, { kind: 'event', action: 'OrderPlaced', service: 'inventory', traceId: 't1', requestId: 'event-1' }),
    record(3, { principal: 'bob', traceId: 't2' }),
    record(4, { principal: 'ann', traceId: 't3', tenant: 'other' }),
  ];
  const find = (q: BehaviourQuery, limit = 10) => newestFirst(records.filter(matching(q)), limit).map((r) => r.at);

  it("finds an order's records through its traces, newest first", () => {
    expect(find({ traceIds: new Set(['t1']), tenant: 'acme' })).toEqual([2, 1]);
    expect(find({ traceIds: new Set() })).toEqual([]);
  });

  it("finds one request or event by its id, and a customer's records by who they are, within the caller's brand", () => {
    expect(find({ requestId: 'event-1', tenant: 'acme' })).toEqual([2]);
    expect(find({ customer: 'ann', tenant: 'acme' })).toEqual([1]);
    expect(find({ customer: 'ann' })).toEqual([4, 1]);
  });

  it('keeps to the limit, the newest', () => {
    expect(find({}, 2)).toEqual([4, 3]);
  });

  it('asks a peer the same question it was asked: an order with no trace kept finds nothing there either', () => {
    for (const q of [{ requestId: 'r 1&x', customer: 'ann' }, { traceIds: new Set(['t1', 't2']) }, { traceIds: new Set<string>() }, {}]) {
      expect(fromQueryString(Object.fromEntries(new URLSearchParams(queryString(q))))).toEqual(q);
    }
  });

  it('the kit keeps each request and event whatever the log level, and no job run (they would push out every request of an idle hour)', () => {
    const logger = createLogger({ level: 'silent' });
    for (const kind of ['request', 'event', 'job'] as const) behaviourLog(logger, { service: 'order', kind, action: 'x', status: 'ok', latencyMs: 1, requestId: `kept-${kind}` });
    expect(keptBehaviour((r) => r.requestId.startsWith('kept-')).map((r) => r.kind)).toEqual(['request', 'event']);
  });
});
