/**
 * The load of one worker: every 10 ms it works out how many requests the
 * shape asks of it for that moment (its share of rateAt), serves the journeys
 * whose next step is due first (polling an order, racing stores to claim
 * it, booking, shipping, receipt, returns), and fills the rest with new
 * arrivals from the mix (browsing, online orders, till sales). Open loop: it
 * never waits for answers to send more; past `maxInFlight` requests in flight
 * a request is skipped and counted, so a slow platform shows as latency and
 * skips, not as a quietly lower rate.
 *
 * Every answer goes into the second it arrived in (stats.ts); what the
 * reconciliation needs (orders asked for by key, claims, 5xx) into the
 * client record.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { chooseArrival, type Arrival, type Mix } from './mix.js';
import { emptyRecord, type ClientRecord, type OrderAsk } from './record.js';
import { requestsBetween, type Shape } from './shape.js';
import { emptySecond, record, type Second } from './stats.js';
import { pick, random, skusAt, type Customer, type StoreStaff, type World } from './world.js';

export interface DriverPlan {
  base: string;
  shape: Shape;
  mix: Mix;
  world: World;
  worker: { index: number; of: number };
  /** Epoch ms at which second 0 of the run starts (the same for every worker). */
  startAtMs: number;
  seed: number;
  /** Requests in flight at most; past it a request is skipped (and counted). */
  maxInFlight: number;
  /** Keep-alive connections to the platform. */
  connections: number;
  /** After the run, how long to wait for answers still in flight. */
  settleMs?: number;
}

/** Follow-ups take at most this share of a tick's requests, so arrivals go on while journeys pile up. */
const FOLLOW_UP_SHARE = 0.7;
const TICK_MS = 10;
/** Polling an order: first look after this long, then backing off, at most this often. */
const POLL_FIRST_MS = 800;
const POLL_MAX_MS = 5000;
/** Give up following an order after this many looks (it is then left to the drain and the reconciliation). */
const POLL_LIMIT = 12;
/** A client asks again this often, with the same Idempotency-Key, after a refusal for load or no answer. */
const MAX_RETRIES = 3;
const NO_ANSWER_RETRY_MS = 500;
const SERVER_ERRORS_KEPT = 200;

interface Task {
  due: number;
  run: () => void;
}

interface Answer {
  status: number;
  body: unknown;
  retryAfterMs: number | null;
}

const FINAL = new Set(['confirmed', 'rejected', 'cancelled', 'completed', 'returned']);

export class Driver {
  private readonly pool: Pool;
  private readonly rnd: () => number;
  private readonly queue: Task[] = [];
  private readonly seconds = new Map<number, Second>();
  private readonly record: ClientRecord = emptyRecord();
  private readonly customers: Customer[];
  private readonly members: Customer[];
  private readonly staff: Map<string, StoreStaff>;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(
    private readonly plan: DriverPlan,
    private readonly onSecond: (s: Second) => void,
  ) {
    this.pool = new Pool(plan.base, { connections: plan.connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
    this.rnd = random(plan.seed + plan.worker.index * 7919);
    // Each worker serves its own customers, so an order's journey stays with the worker that placed it.
    this.customers = plan.world.customers.filter((_, i) => i % plan.worker.of === plan.worker.index);
    if (!this.customers.length) this.customers = plan.world.customers.slice(0, 1);
    this.members = this.customers.filter((c) => c.member);
    this.staff = new Map(plan.world.stores.map((s) => [s.store, s]));
  }

  private now = () => (Date.now() - this.plan.startAtMs) / 1000;

  private second(at = this.now()): Second {
    const n = Math.max(0, Math.floor(at));
    let s = this.seconds.get(n);
    if (!s) this.seconds.set(n, (s = emptySecond(n)));
    return s;
  }

  /** Runs the shape to its end, waits for answers in flight, and returns what the clients were told. */
  async run(): Promise<ClientRecord> {
    const { shape } = this.plan;
    const share = 1 / this.plan.worker.of;
    let last = Math.max(0, this.now());
    let carry = 0;
    let flushed = -1;
    while (this.now() < 0) await sleep(Math.min(50, -this.now() * 1000));
    for (;;) {
      const t = this.now();
      if (t >= shape.durationS) break;
      const wanted = requestsBetween(shape, last, t) * share + carry;
      last = t;
      const n = Math.floor(wanted);
      carry = wanted - n;
      this.second(t).target += wanted - carry;
      this.tick(n);
      flushed = this.flush(Math.floor(t) - 1, flushed);
      await sleep(TICK_MS);
    }
    // The rest of the shape's last second counts as asked for; then answers still in flight are awaited.
    const deadline = Date.now() + (this.plan.settleMs ?? 30_000);
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise<void>((r) => ((this.idle = r), setTimeout(r, 250)));
    this.flush(Number.MAX_SAFE_INTEGER, flushed);
    await this.pool.close().catch(() => undefined);
    return this.record;
  }

  private flush(upTo: number, flushed: number): number {
    for (const n of [...this.seconds.keys()].sort((a, b) => a - b)) {
      if (n > upTo) break;
      this.onSecond(this.seconds.get(n)!);
      this.seconds.delete(n);
      flushed = n;
    }
    return flushed;
  }

  private tick(n: number): void {
    const now = Date.now();
    this.queue.sort((a, b) => a.due - b.due);
    let due = 0;
    while (due < this.queue.length && this.queue[due]!.due <= now) due++;
    const followUps = Math.min(due, n - Math.floor(n * (1 - FOLLOW_UP_SHARE)));
    const tasks = this.queue.splice(0, followUps);
    for (const task of tasks) task.run();
    for (let i = followUps; i < n; i++) this.arrive(chooseArrival(this.plan.mix, this.rnd()));
  }

  /** Queues one request of a journey for `inMs` from now. */
  private later(inMs: number, run: () => void): void {
    this.queue.push({ due: Date.now() + inMs, run });
  }

  // ---- the requests -------------------------------------------------------

  private async call(kind: string, method: 'GET' | 'POST' | 'PUT', path: string, token: string, body?: unknown, key?: string): Promise<Answer | undefined> {
    const sent = this.second();
    if (this.inFlight >= this.plan.maxInFlight) {
      sent.skipped++;
      return undefined;
    }
    sent.sent++;
    sent.byKind[kind] = (sent.byKind[kind] ?? 0) + 1;
    this.inFlight++;
    const started = performance.now();
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (key) headers['idempotency-key'] = key;
    try {
      const res = await this.pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.body.text();
      const ms = performance.now() - started;
      const at = this.second();
      at.answered++;
      at.byStatus[res.statusCode] = (at.byStatus[res.statusCode] ?? 0) + 1;
      record(at.latency, ms);
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      const retryAfter = res.headers['retry-after'];
      if (res.statusCode >= 500 && !(res.statusCode === 503 && retryAfter !== undefined)) this.serverError(kind, method, path, res.statusCode, parsed);
      const retryAfterMs = retryAfter === undefined ? null : Math.min(2000, Math.max(50, Number(retryAfter) * 1000 || 200));
      return { status: res.statusCode, body: parsed, retryAfterMs };
    } catch (error) {
      const at = this.second();
      at.failed++;
      at.byStatus.error = (at.byStatus.error ?? 0) + 1;
      this.serverError(kind, method, path, 0, String(error));
      return { status: 0, body: null, retryAfterMs: null };
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    }
  }

  private serverError(kind: string, method: string, path: string, status: number, body: unknown): void {
    this.record.serverErrorCount++;
    if (this.record.serverErrors.length >= SERVER_ERRORS_KEPT) return;
    const detail = typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body)?.slice(0, 300);
    this.record.serverErrors.push({ kind, method, path, status, at: new Date().toISOString(), detail });
  }

  // ---- arrivals -----------------------------------------------------------

  private arrive(kind: Arrival): void {
    const { world } = this.plan;
    const customer = pick(this.rnd, this.customers);
    switch (kind) {
      case 'browse_styles':
        void this.call('browse', 'GET', '/api/catalog/styles?limit=20', customer.token);
        return;
      case 'browse_style':
        void this.call('browse', 'GET', `/api/catalog/styles/${pick(this.rnd, world.styles)}`, customer.token);
        return;
      case 'browse_stock':
        void this.call('browse', 'GET', `/api/inventory/stock?sku=${pick(this.rnd, world.skus).sku}`, customer.token);
        return;
      case 'order':
      case 'order_hot':
      case 'order_coupon':
        this.orderOnline(customer, kind);
        return;
      case 'till_cash':
      case 'till_wallet':
        this.sellAtTill(kind === 'till_cash' ? 'cash' : 'wallet');
        return;
    }
  }

  private orderOnline(customer: Customer, kind: 'order' | 'order_hot' | 'order_coupon'): void {
    const { world, mix } = this.plan;
    const hot = world.skus.filter((s) => s.hot);
    const cold = world.skus.filter((s) => !s.hot);
    const first = kind === 'order_hot' && hot.length ? pick(this.rnd, hot) : pick(this.rnd, cold);
    const lines = [{ sku: first.sku, qty: kind === 'order_hot' ? 1 : 1 + Math.floor(this.rnd() * 2) }];
    if (kind !== 'order_hot' && this.rnd() < mix.twoLines) {
      const second = pick(this.rnd, cold);
      if (second.sku !== first.sku) lines.push({ sku: second.sku, qty: 1 });
    }
    const coupons = kind === 'order_coupon' && customer.coupons.length ? [customer.coupons.shift()!] : [];
    const ask: OrderAsk = { key: randomUUID(), channel: 'online', customer: customer.id, answers: [] };
    this.record.orders.push(ask);
    const body = { lines, coupons };
    const cancel = this.rnd() < mix.cancel;
    const resend = this.rnd() < mix.resend;
    this.place(ask, '/api/orders', customer.token, body, 0, (id) => {
      if (cancel) this.later(150 + this.rnd() * 300, () => void this.call('cancel', 'POST', `/api/orders/${id}/cancel`, customer.token));
      this.follow(id, customer, POLL_FIRST_MS, 0);
    });
    if (resend) this.later(50 + this.rnd() * 200, () => this.place(ask, '/api/orders', customer.token, body, 0, () => undefined));
  }

  private sellAtTill(method: 'cash' | 'wallet'): void {
    const { world, mix } = this.plan;
    const store = pick(this.rnd, world.stores.filter((s) => !world.warehouses.includes(s.store)));
    const stocked = skusAt(world, store.store).filter((s) => !s.hot);
    if (!stocked.length) return;
    const member = this.members.length && this.rnd() < mix.tillMember ? pick(this.rnd, this.members) : undefined;
    const ask: OrderAsk = { key: randomUUID(), channel: 'till', customer: member?.id ?? 'walk-in', answers: [] };
    this.record.orders.push(ask);
    const body = { lines: [{ sku: pick(this.rnd, stocked).sku, qty: 1 }], paymentMethod: method, ...(member ? { customerId: member.id } : {}) };
    const clerk = store.clerks[0];
    this.place(ask, '/api/orders/sales', clerk, body, 0, (id) => {
      if (this.rnd() < mix.returns) this.untilCompleted(id, clerk, POLL_FIRST_MS, 0, () => this.giveBack(id, clerk, body.lines[0]!.sku));
    });
  }

  /**
   * POSTs an order; a refusal for load (503/429 with Retry-After) is asked again with the same key, as a client
   * should, and so is a request that got no answer (the order may have been taken: the same key must find it).
   */
  private place(ask: OrderAsk, path: string, token: string, body: unknown, attempt: number, then: (id: string) => void): void {
    void this.call(ask.channel === 'online' ? 'order' : 'till', 'POST', path, token, body, ask.key).then((res) => {
      if (!res) return;
      const id = (res.body as { id?: string } | null)?.id;
      ask.answers.push({ status: res.status, ...(id && res.status < 300 ? { id } : {}) });
      const again = res.status === 0 ? NO_ANSWER_RETRY_MS : (res.status === 503 || res.status === 429) && res.retryAfterMs !== null ? res.retryAfterMs : null;
      if (again !== null && attempt < MAX_RETRIES) {
        this.later(again, () => this.place(ask, path, token, body, attempt + 1, then));
        return;
      }
      if (id && res.status === 201 && ask.answers.filter((a) => a.id).length === 1) then(id);
    });
  }

  // ---- journeys after an online order ------------------------------------

  /** Looks at an order until it is settled; a confirmed one goes on to fulfilment. */
  private follow(id: string, customer: Customer, inMs: number, looks: number): void {
    if (looks >= POLL_LIMIT) return;
    this.later(inMs, () =>
      void this.call('poll', 'GET', `/api/orders/${id}`, customer.token).then((res) => {
        const status = (res?.body as { status?: string } | null)?.status;
        if (!status || !FINAL.has(status)) return this.follow(id, customer, Math.min(POLL_MAX_MS, inMs * 1.6), looks + 1);
        if (status === 'confirmed') this.offers(id, customer, 0);
      }),
    );
  }

  /** Reads who the order is offered to, then races their clerks (and one store it is not offered to) to claim it. */
  private offers(id: string, customer: Customer, looks: number): void {
    if (looks >= POLL_LIMIT) return;
    this.later(looks === 0 ? 0 : 500 * looks, () =>
      void this.call('fulfilment', 'GET', `/api/fulfilment/orders/${id}`, customer.token).then((res) => {
        const f = res?.body as { status?: string; offeredTo?: string[] } | null;
        if (!res || res.status === 404 || !f?.offeredTo) return this.offers(id, customer, looks + 1);
        if (f.status !== 'offered' || !f.offeredTo.length) return;
        const offered = f.offeredTo.filter((s) => this.staff.has(s));
        if (!offered.length) return;
        const claimants: { store: string; token: string }[] = offered.slice(0, 3).map((s) => ({ store: s, token: this.staff.get(s)!.clerks[0] }));
        // One store asking twice (two tills) is still one claim; a store it is not offered to is refused.
        claimants.push({ store: offered[0]!, token: this.staff.get(offered[0]!)!.clerks[1] });
        const outsider = this.plan.world.stores.find((s) => !f.offeredTo!.includes(s.store));
        if (outsider) claimants.push({ store: outsider.store, token: outsider.clerks[0] });
        let won = false;
        for (const c of claimants) {
          this.later(0, () =>
            void this.call('claim', 'POST', `/api/fulfilment/orders/${id}/claim`, c.token).then((claim) => {
              if (!claim) return;
              this.record.claims.push({ orderId: id, store: c.store, status: claim.status });
              if (claim.status === 200 && !won) {
                won = true;
                this.handOver(id, customer, c.store);
              }
            }),
          );
        }
      }),
    );
  }

  /** The claiming store ships it (book, ship; the customer confirms receipt) or has it collected (ready, collected). */
  private handOver(id: string, customer: Customer, store: string): void {
    const clerk = this.staff.get(store)!.clerks[0];
    const step = (kind: string, path: string, token: string, body?: unknown) => () => this.call(kind, 'POST', `/api/fulfilment/orders/${id}/${path}`, token, body);
    const chain = (steps: (() => Promise<Answer | undefined>)[], done: () => void) => {
      const [next, ...rest] = steps;
      if (!next) return done();
      this.later(100 + this.rnd() * 400, () => void next().then((res) => res && res.status >= 200 && res.status < 300 && chain(rest, done)));
    };
    const returning = this.rnd() < this.plan.mix.returns;
    const afterwards = () => {
      if (returning) this.untilCompleted(id, customer.token, POLL_FIRST_MS, 0, () => this.giveBack(id, clerk));
    };
    if (this.rnd() < this.plan.mix.collect) chain([step('ready', 'ready', clerk), step('collected', 'collected', clerk)], afterwards);
    else
      chain(
        [step('book', 'book', clerk, { carrier: 'SF', tracking: `SF${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}` }), step('ship', 'ship', clerk), step('received', 'received', customer.token)],
        afterwards,
      );
  }

  private untilCompleted(id: string, token: string, inMs: number, looks: number, then: () => void): void {
    if (looks >= POLL_LIMIT) return;
    this.later(inMs, () =>
      void this.call('poll', 'GET', `/api/orders/${id}`, token).then((res) => {
        const o = res?.body as { status?: string } | null;
        if (o?.status === 'completed') return then();
        if (!o?.status || o.status === 'confirmed' || !FINAL.has(o.status)) this.untilCompleted(id, token, Math.min(POLL_MAX_MS, inMs * 1.6), looks + 1, then);
      }),
    );
  }

  /** One unit of one line comes back at the clerk's store. */
  private giveBack(id: string, clerk: string, sku?: string): void {
    const send = (line: string) => this.later(100, () => void this.call('return', 'POST', `/api/orders/${id}/returns`, clerk, { lines: [{ sku: line, qty: 1 }], reason: 'did not fit' }, randomUUID()));
    if (sku) return send(sku);
    this.later(0, () =>
      void this.call('poll', 'GET', `/api/orders/${id}`, clerk).then((res) => {
        const line = (res?.body as { lines?: { sku: string }[] } | null)?.lines?.[0]?.sku;
        if (line) send(line);
      }),
    );
  }

  /** How many journey steps are waiting (the live line shows it). */
  get waiting(): number {
    return this.queue.length;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
