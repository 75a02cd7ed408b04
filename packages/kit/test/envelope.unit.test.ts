import { afterEach, describe, expect, it, vi } from 'vitest';
import { Type } from '@sinclair/typebox';
import { createEnvelope, defineEvent } from '../src/events/envelope.js';

const OrderPlaced = defineEvent(
  'OrderPlaced',
  2,
  'A customer placed an order; stock is not yet reserved.',
  Type.Object({
    orderId: Type.String(),
    lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }), { minItems: 1 }),
    total: Type.Integer({ minimum: 0 }),
  }),
);

const data = { orderId: 'o-1', lines: [{ sku: 'TS1001-BLK-M', qty: 2 }], total: 39_800 };
const fields = { source: 'order', key: 'o-1', tenant: 'brand-a', data };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** A UUID of version 7: time-ordered (see newId). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.useRealTimers();
});

describe('defineEvent', () => {
  it('keeps the name, version, description and schema together, with a compiled check', () => {
    expect(OrderPlaced).toMatchObject({ type: 'OrderPlaced', version: 2, description: 'A customer placed an order; stock is not yet reserved.' });
    expect(OrderPlaced.check.Check(data)).toBe(true);
    expect(OrderPlaced.check.Check({ ...data, total: -1 })).toBe(false);
  });
});

describe('createEnvelope', () => {
  it('wraps valid data with its type, version, source, ordering key, tenant and the time it was created', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T12:34:56.789Z'));
    const envelope = createEnvelope(OrderPlaced, fields);
    expect(envelope).toEqual({
      id: expect.stringMatching(UUID),
      type: 'OrderPlaced',
      version: 2,
      source: 'order',
      key: 'o-1',
      tenant: 'brand-a',
      time: '2025-03-01T12:34:56.789Z',
      headers: {},
      data,
    });
  });

  it('gives every envelope its own id, even for the same data', () => {
    const made = Array.from({ length: 50 }, () => createEnvelope(OrderPlaced, fields).id);
    expect(new Set(made).size).toBe(50);
  });

  it('gives ids that sort by the millisecond they were made in', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(createEnvelope(OrderPlaced, fields).id);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect([...made].sort()).toEqual(made);
    expect(parseInt(made[0]!.replace('-', '').slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
  });

  it('carries the traceparent in the headers when one is given', () => {
    expect(createEnvelope(OrderPlaced, { ...fields, traceparent: TRACEPARENT }).headers).toEqual({ traceparent: TRACEPARENT });
  });

  it.each([undefined, ''])('has no traceparent header when none is given (%j)', (traceparent) => {
    expect(createEnvelope(OrderPlaced, { ...fields, traceparent }).headers).toEqual({});
  });

  it('refuses invalid data, naming the event, its version and the path of the bad value', () => {
    const bad = { ...data, lines: [{ sku: 'TS1001-BLK-M', qty: 2 }, { sku: 'TS1001-WHT-L', qty: 0 }] };
    expect(() => createEnvelope(OrderPlaced, { ...fields, data: bad })).toThrow(/^OrderPlaced v2 data invalid at \/lines\/1\/qty: /);
  });

  it('refuses data missing a required property, naming it', () => {
    const { total: _total, ...withoutTotal } = data;
    expect(() => createEnvelope(OrderPlaced, { ...fields, data: withoutTotal as typeof data })).toThrow('data invalid at /total');
  });

  it('refuses data of the wrong type', () => {
    expect(() => createEnvelope(OrderPlaced, { ...fields, data: { ...data, orderId: 42 as unknown as string } })).toThrow(
      'data invalid at /orderId',
    );
  });
});
