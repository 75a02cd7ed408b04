import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalOrder, newKey, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

interface Edge {
  type: string;
  from: string;
  to: string;
  handled: number;
  rate: number;
}
interface Snapshot {
  windowSeconds: number;
  nodes: { name: string; lag: number }[];
  edges: Edge[];
}

/** Reads server-sent events from `res` until `enough` says so; returns the snapshots read. */
async function snapshots(res: Response, enough: (all: Snapshot[]) => boolean): Promise<Snapshot[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const all: Snapshot[] = [];
  let buffered = '';
  while (!enough(all)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    const messages = buffered.split('\n\n');
    buffered = messages.pop()!;
    for (const m of messages) all.push(JSON.parse(m.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as Snapshot);
  }
  await reader.cancel();
  return all;
}

describe("the console's API: the event map", () => {
  let t: TestPlatform;
  let operator: string;
  beforeAll(async () => {
    t = await startTestPlatform();
    operator = await t.token('operator');
  });
  afterAll(() => t?.stop());

  it('answers one snapshot: every service, and an edge from each producer to each consumer of an event type', async () => {
    const res = await t.api<Snapshot>('GET', '/api/console/event-map', { token: operator });
    expect(res.status).toBe(200);
    expect(res.body.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(['order', 'inventory', 'payment', 'fulfilment']));
    expect(res.body.edges).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'OrderPlaced', from: 'order', to: 'inventory' })]));
    expect(res.body.windowSeconds).toBe(0);
  });

  it('streams a snapshot a second as server-sent events, with the rate of the events an order sets off', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 10 } });
    const res = await fetch(`${t.url}/api/console/event-map`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${operator}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const customer = await t.token('customer', { subject: 'map-shopper' });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
    await finalOrder(t, customer, placed.body.id);
    const placedAt = (s: Snapshot) => s.edges.find((e) => e.type === 'OrderPlaced' && e.to === 'inventory')!;
    const read = await snapshots(res, (all) => all.some((s) => placedAt(s).rate > 0));
    const busy = read.find((s) => placedAt(s).rate > 0)!;
    expect(busy.windowSeconds).toBeGreaterThan(0.5);
    expect(placedAt(busy).handled).toBeGreaterThanOrEqual(1);
  });

  it('is for operators: another role is refused', async () => {
    expect((await t.api('GET', '/api/console/event-map', { token: await t.token('clerk', { store: 'ST1' }) })).status).toBe(403);
  });

  it('lets the platform stop while a stream is open', async () => {
    const other = await startTestPlatform();
    const res = await fetch(`${other.url}/api/console/event-map`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${await other.token('operator')}` } });
    const reader = res.body!.getReader();
    await reader.read(); // the first snapshot
    const started = Date.now();
    await other.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    // The platform ended the stream rather than leaving it hanging.
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
  });
});

interface Kept {
  at: number;
  service: string;
  kind: string;
  action: string;
  tenant?: string;
  principal?: string;
  status: number | string;
  requestId: string;
  traceId?: string;
}

describe("the console's API: the behaviour log, found by order, request or customer", () => {
  let t: TestPlatform;
  let operator: string;
  let orderId: string;
  const requestId = `behaviour-${newKey()}`;
  beforeAll(async () => {
    // Inventory and payment on the service thread: their records are that thread's, gathered by the main one.
    t = await startTestPlatform({ THREAD_SERVICES: 'inventory,payment' });
    operator = await t.token('operator');
    const sku = await stockedSku(t, { stock: { WH_SH: 5 } });
    const customer = await t.token('customer', { subject: 'behaviour-shopper' });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), headers: { 'x-request-id': requestId }, body: { lines: [{ sku, qty: 1 }] } });
    orderId = placed.body.id;
    expect((await finalOrder(t, customer, orderId)).status).toBe('confirmed');
  });
  afterAll(() => t?.stop());

  const find = async (query: string, token = operator) => {
    const res = await t.api<{ items: Kept[] }>('GET', `/api/console/behaviour?${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items;
  };

  it("an order's records are those of its traces, from every thread: the checkout and the events it set off in each service, each naming its trace", async () => {
    const items = await find(`orderId=${orderId}&limit=200`);
    const seen = items.map((r) => `${r.service}: ${r.action} ${r.status}`);
    expect(seen).toEqual(expect.arrayContaining(['order: POST /api/orders 201', 'inventory: OrderPlaced ok', 'order: StockReserved ok', 'payment: PaymentRequested ok', 'order: PaymentCaptured ok']));
    const placing = items.find((r) => r.action === 'POST /api/orders')!;
    expect(placing).toMatchObject({ requestId, principal: 'behaviour-shopper', tenant: 'acme' });
    const trace = await t.api<{ spans: { name: string }[] }>('GET', `/api/traces/${placing.traceId}`, { token: operator });
    expect(trace.body.spans.map((s) => s.name)).toContain('POST /api/orders');
    expect(items.map((r) => r.at)).toEqual([...items.map((r) => r.at)].sort((a, b) => b - a));
  });

  it('finds one request by its id, and a customer by who they are', async () => {
    expect((await find(`requestId=${requestId}`)).map((r) => `${r.service}: ${r.action}`)).toEqual(['order: POST /api/orders']);
    const theirs = await find('customer=behaviour-shopper&limit=200');
    expect(theirs.length).toBeGreaterThan(0);
    expect(new Set(theirs.map((r) => r.principal))).toEqual(new Set(['behaviour-shopper']));
    expect(await find('orderId=no-such-order')).toEqual([]);
  });

  it("keeps a brand's records to itself, and is for operators and brand admins", async () => {
    expect((await find(`orderId=${orderId}`, await t.token('brand_admin'))).length).toBeGreaterThan(0);
    expect(await find(`requestId=${requestId}`, await t.token('brand_admin', { tenant: 'globex' }))).toEqual([]);
    expect(await find(`customer=behaviour-shopper`, await t.token('operator', { tenant: 'globex' }))).toEqual([]);
    expect((await t.api('GET', `/api/console/behaviour?requestId=${requestId}`, { token: await t.token('customer', { subject: 'behaviour-shopper' }) })).status).toBe(403);
  });
});
