import { randomUUID } from 'node:crypto';
import { bulkhead } from 'cockatiel';
import { outsideContext, runWithContext, withDeadline, type UnitOfWork } from '@omnishop/kit';
import { leaseDue, recordAttempt, type Leased, type Outcome } from './commands.js';
import type { WebhookTables } from './db.js';
import type { RetrySchedule } from './domain/webhook.js';
import { signedHeaders } from './domain/signature.js';

export interface SenderOptions {
  /** How long a receiver may take to answer before the attempt counts as failed. */
  timeoutMs: number;
  /** Attempts and waits before a delivery is parked. */
  schedule: RetrySchedule;
  /** Requests in flight at once; the rest wait their turn. */
  concurrency?: number;
}

/**
 * Sends claimed deliveries over HTTP, outside any transaction (a slow receiver
 * holds no database), records each attempt, and on a success sends the next
 * delivery of the same key at once, so one key's events follow each other
 * without waiting for the next run of the delivery job.
 */
export class Sender {
  private readonly pool;

  constructor(private readonly opts: SenderOptions) {
    this.pool = bulkhead(opts.concurrency ?? 32, Number.MAX_SAFE_INTEGER);
  }

  /** How long a claim lasts: the answer's timeout, and time to record it. */
  get leaseMs(): number {
    return this.opts.timeoutMs + 10_000;
  }

  send(deliveries: Leased[], uow: UnitOfWork<WebhookTables>): void {
    // An endpoint is another system: the call carries no request's context or deadline.
    for (const d of deliveries) outsideContext(() => void this.deliver(d, uow).catch(() => undefined)); // a claim not recorded lapses; the job sends it again
  }

  private async deliver(d: Leased, uow: UnitOfWork<WebhookTables>): Promise<void> {
    const outcome = await this.pool.execute(() => this.post(d));
    const ctx = withDeadline({ service: 'webhook', requestId: randomUUID(), tenant: d.tenant }, 30_000);
    const next = await runWithContext(ctx, () =>
      uow.run(
        async (tx) => ((await recordAttempt(tx, d, outcome, this.opts.schedule)) ? leaseDue(tx, { leaseMs: this.leaseMs, limit: 1, lane: { subscriptionId: d.subscriptionId, key: d.key } }) : []),
        { background: true },
      ),
    );
    this.send(next, uow);
  }

  private async post(d: Leased): Promise<Outcome> {
    const started = performance.now();
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Omnishop-Webhooks/1', ...signedHeaders(d.eventId, new Date(), d.payload, d.secrets) },
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      await res.body?.cancel();
      return { status: res.status, error: null, durationMs: performance.now() - started };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return { status: null, error: timedOut ? `no answer within ${this.opts.timeoutMs} ms` : `not reached: ${(error as Error).cause ?? (error as Error).message}`, durationMs: performance.now() - started };
    }
  }
}
