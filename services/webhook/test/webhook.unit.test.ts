import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newSecret } from '../commands.js';
import { signedHeaders } from '../domain/signature.js';
import { accepted, afterFailure, endpointProblem, lagSeconds, matches, signingSecrets } from '../domain/webhook.js';
import { SubscribedBrands } from '../subscribed.js';

describe('webhook rules', () => {
  it('a subscription takes the types it names, or every type with *', () => {
    expect(matches(['OrderPlaced'], 'OrderPlaced')).toBe(true);
    expect(matches(['OrderPlaced'], 'OrderConfirmed')).toBe(false);
    expect(matches(['*'], 'StockReserved')).toBe(true);
  });

  it('a failed delivery waits twice as long each time, up to the longest wait, and is parked after its attempts', () => {
    const schedule = { attempts: 5, baseMs: 1000, maxMs: 5000 };
    expect([1, 2, 3, 4].map((n) => afterFailure(n, schedule))).toEqual([
      { status: 'pending', waitMs: 1000 },
      { status: 'pending', waitMs: 2000 },
      { status: 'pending', waitMs: 4000 },
      { status: 'pending', waitMs: 5000 },
    ]);
    expect(afterFailure(5, schedule)).toEqual({ status: 'parked' });
  });

  it('only a 2xx counts as received', () => {
    expect([200, 204, 299].every(accepted)).toBe(true);
    expect([301, 400, 404, 429, 500, 503].some(accepted)).toBe(false);
  });

  it('the old secret signs beside the new one only during the overlap', () => {
    const s = { secret: 'new', previousSecret: 'old', previousUntil: '2026-01-02T00:00:00.000Z' };
    expect(signingSecrets(s, '2026-01-01T00:00:00.000Z')).toEqual(['new', 'old']);
    expect(signingSecrets(s, '2026-01-03T00:00:00.000Z')).toEqual(['new']);
    expect(signingSecrets({ secret: 'new', previousSecret: null, previousUntil: null }, '2026-01-01T00:00:00.000Z')).toEqual(['new']);
  });

  it('lag is the age of the oldest event not yet received', () => {
    expect(lagSeconds(undefined, new Date())).toBe(0);
    expect(lagSeconds('2026-01-01T00:00:00.000Z', new Date('2026-01-01T00:01:30.000Z'))).toBe(90);
  });

  it('an endpoint is an http(s) URL without credentials', () => {
    expect(endpointProblem('https://shop.example.com/hooks')).toBeUndefined();
    expect(endpointProblem('http://127.0.0.1:9000/h')).toBeUndefined();
    expect(endpointProblem('ftp://example.com/x')).toMatch(/http/);
    expect(endpointProblem('not a url')).toMatch(/absolute/);
    expect(endpointProblem('https://user:pw@example.com/')).toMatch(/credentials/);
  });
});

describe('signatures (Standard Webhooks)', () => {
  it('a receiver holding the secret verifies the delivery; a changed body, another secret or an old timestamp fail', () => {
    const secret = newSecret();
    const body = JSON.stringify({ type: 'OrderPlaced', data: { orderId: 'o1' } });
    const headers = signedHeaders('evt-1', new Date(), body, [secret]);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('o1', 'o2'), { ...headers })).toThrow();
    expect(() => new Webhook(newSecret()).verify(body, { ...headers })).toThrow();
    const stale = signedHeaders('evt-1', new Date(Date.now() - 10 * 60_000), body, [secret]);
    expect(() => new Webhook(secret).verify(body, { ...stale })).toThrow(/timestamp/i);
  });

  it('during a rotation either secret verifies', () => {
    const [oldSecret, newOne] = [newSecret(), newSecret()];
    const body = '{}';
    const headers = signedHeaders('evt-2', new Date(), body, [newOne, oldSecret]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [oldSecret, newOne]) expect(() => new Webhook(s).verify(body, { ...headers })).not.toThrow();
  });
});

describe('SubscribedBrands: whose events the fan-out takes', () => {
  it('takes every brand until it has read the database, then only those with a subscription, and one made here at once', () => {
    const subscribed = new SubscribedBrands();
    expect(subscribed.has('acme')).toBe(true);
    subscribed.replace(['acme']);
    expect([subscribed.has('acme'), subscribed.has('other')]).toEqual([true, false]);
    subscribed.add('other');
    expect(subscribed.has('other')).toBe(true);
    subscribed.replace([]);
    expect(subscribed.has('acme')).toBe(false);
  });
});
