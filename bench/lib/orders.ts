/**
 * What became of the bench customer's orders, read through the public API
 * (GET /api/orders: 200 a page, newest first, `?status=` filters), cheaply
 * enough to run beside the load:
 *
 * - not final (pending + awaiting_payment): pages of `?status=pending` and
 *   `?status=awaiting_payment`, capped (a growing backlog is reported as "at
 *   least"), or just "any?" with one row of each;
 * - confirmed during a window [t0, t1]: an order's `updatedAt` is the time of
 *   its last status change, and a confirmed order changes no more in the bench
 *   (nobody hands it over or cancels it), so the orders confirmed in the window
 *   are the confirmed ones whose updatedAt lies in it, counted at leisure after
 *   the window without racing the saga. The pages (`?status=confirmed`, newest
 *   first) are read down to the horizon: the creation time of the oldest order
 *   that was not final just before the window opened (or that moment, if none
 *   was). Any order confirmed in the window was either not final then, or
 *   created after, so nothing older can count.
 */
export interface OrderSummary {
  id: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

interface Page {
  items: OrderSummary[];
  nextCursor: string | null;
}
import { benchClient, type Reply } from './http.js';

export const NOT_FINAL = ['pending', 'awaiting_payment'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OrderBook {
  private readonly api: ReturnType<typeof benchClient>;

  constructor(
    /** Base URL of a process serving GET /api/orders (the platform, or one order replica). */
    readonly base: string,
    private readonly token: string,
  ) {
    this.api = benchClient(base);
  }

  private get<T>(path: string): Promise<Reply<T>> {
    return this.api<T>('GET', path, this.token);
  }

  async page(status: string | undefined, limit: number, cursor: string | null): Promise<Page> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    const res = await this.get<Page>(`/api/orders?${q}`);
    if (res.status !== 200) throw new Error(`GET /api/orders?${q} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** How many orders have `status` (up to maxPages x 200), and the creation time of the oldest seen. */
  async count(status: string, maxPages: number): Promise<{ count: number; capped: boolean; oldestCreatedAt: string | null }> {
    let count = 0;
    let cursor: string | null = null;
    let pages = 0;
    let oldest: string | null = null;
    do {
      const page = await this.page(status, 200, cursor);
      count += page.items.length;
      if (page.items.length) oldest = page.items.at(-1)!.createdAt;
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < maxPages);
    return { count, capped: cursor !== null, oldestCreatedAt: oldest };
  }

  /** Orders not final (pending + awaiting_payment), counted up to maxPages pages of each status. */
  async notFinal(maxPages = 25): Promise<{ count: number; capped: boolean; pending: number; awaitingPayment: number; oldestCreatedAt: string | null; tookMs: number }> {
    const started = performance.now();
    const [p, a] = await Promise.all(NOT_FINAL.map((s) => this.count(s, maxPages)));
    const oldest = [p!.oldestCreatedAt, a!.oldestCreatedAt].filter((x): x is string => x !== null).sort()[0] ?? null;
    return { count: p!.count + a!.count, capped: p!.capped || a!.capped, pending: p!.count, awaitingPayment: a!.count, oldestCreatedAt: oldest, tookMs: Math.round(performance.now() - started) };
  }

  /** Whether any order is not final (one row of each status). */
  async anyNotFinal(): Promise<boolean> {
    const pages = await Promise.all(NOT_FINAL.map((s) => this.page(s, 1, null)));
    return pages.some((p) => p.items.length > 0);
  }

  /**
   * The horizon for a window about to open: creation time of the oldest order
   * not final now (every order not final later was either this or newer), or
   * now. Reads every page of not-final orders (no cap: it must be exact).
   */
  async horizon(): Promise<{ at: string; notFinal: number }> {
    const now = new Date().toISOString();
    const nf = await this.notFinal(Number.MAX_SAFE_INTEGER);
    return { at: nf.oldestCreatedAt && nf.oldestCreatedAt < now ? nf.oldestCreatedAt : now, notFinal: nf.count };
  }

  /**
   * Orders confirmed within [startMs, endMs] (by updatedAt), reading confirmed
   * orders newest first down to the horizon (less 2 s: creation times and the
   * listing's order may differ slightly when inserts commit in parallel).
   */
  async confirmedBetween(
    startMs: number,
    endMs: number,
    horizonIso: string,
    maxPages = 5000,
  ): Promise<{ confirmed: number; pages: number; read: number; truncated: boolean; tookMs: number; updatedNotAfterCreated: number }> {
    const started = performance.now();
    const stopBefore = new Date(new Date(horizonIso).getTime() - 2000).toISOString();
    const from = new Date(startMs).toISOString();
    const to = new Date(endMs).toISOString();
    let confirmed = 0;
    let read = 0;
    // A confirmed order was changed after it was placed; one whose updatedAt is not later than its createdAt means
    // updatedAt no longer tells when it was confirmed, and the count below would be wrong.
    let updatedNotAfterCreated = 0;
    let pages = 0;
    let cursor: string | null = null;
    let done = false;
    while (!done) {
      const page = await this.page('confirmed', 200, cursor);
      pages++;
      for (const o of page.items) {
        if (o.createdAt < stopBefore) {
          done = true;
          break;
        }
        read++;
        if (!(o.updatedAt > o.createdAt)) updatedNotAfterCreated++;
        if (o.updatedAt >= from && o.updatedAt <= to) confirmed++;
      }
      cursor = page.nextCursor;
      if (!cursor) done = true;
      if (pages >= maxPages && !done) return { confirmed, pages, read, truncated: true, tookMs: Math.round(performance.now() - started), updatedNotAfterCreated };
    }
    return { confirmed, pages, read, truncated: false, tookMs: Math.round(performance.now() - started), updatedNotAfterCreated };
  }

  /** Orders created within [startMs, endMs] of any status (newest first, until older than the window). */
  async createdBetween(startMs: number, endMs: number): Promise<{ count: number; byStatus: Record<string, number>; pages: number }> {
    const from = new Date(startMs - 1000).toISOString();
    const to = new Date(endMs + 1000).toISOString();
    const byStatus: Record<string, number> = {};
    let count = 0;
    let pages = 0;
    let cursor: string | null = null;
    for (;;) {
      const page = await this.page(undefined, 200, cursor);
      pages++;
      let older = false;
      for (const o of page.items) {
        if (o.createdAt < from) {
          older = true;
          break;
        }
        if (o.createdAt <= to) {
          count++;
          byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
        }
      }
      cursor = page.nextCursor;
      if (older || !cursor) return { count, byStatus, pages };
    }
  }

  async status(id: string): Promise<{ httpStatus: number; status: string | null }> {
    const res = await this.get<{ status?: string }>(`/api/orders/${encodeURIComponent(id)}`);
    return { httpStatus: res.status, status: res.status === 200 ? (res.body.status ?? null) : null };
  }

  /**
   * Seconds from `stoppedAtMs` until no order is pending or awaiting payment,
   * polling every `pollMs`; null if that did not happen within `settleS`.
   */
  async drain(stoppedAtMs: number, settleS: number, pollMs = 250): Promise<{ drainS: number | null; checks: number }> {
    let checks = 0;
    for (;;) {
      const before = Date.now();
      const any = await this.anyNotFinal();
      checks++;
      // The check saw the state somewhere between its start and its end: count to its end (conservative).
      const at = (Date.now() - stoppedAtMs) / 1000;
      if (!any) return { drainS: Math.round(Math.max(0, at) * 100) / 100, checks };
      if (at >= settleS) return { drainS: null, checks };
      await sleep(Math.max(0, Math.min(pollMs - (Date.now() - before), stoppedAtMs + settleS * 1000 - Date.now())));
    }
  }
}
