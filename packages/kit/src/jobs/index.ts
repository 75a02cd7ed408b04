import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { runWithContext, withDeadline } from '../context/index.js';
import { behaviourLog } from '../log/index.js';
import { SpanKind, startSpan } from '../trace/index.js';
import type { Tx, UnitOfWork } from '../transaction/index.js';

/**
 * A scheduled job: runs every `everyMs` through the same path as a request
 * (context, one transaction, outbox, behaviour log). Jobs must be safe to run
 * on several replicas at once: they act through conditional updates.
 */
export interface JobDefinition<DB> {
  name: string;
  everyMs: number;
  /**
   * Jobs run for no one brand: without this, any query on a brand's table is refused.
   * A job that sweeps every brand's rows says why here (it runs inside acrossTenants).
   */
  acrossTenants?: string;
  /**
   * `uow` is for work the run leaves to do after its commit (an afterCommit effect, such as an
   * HTTP call that must not hold the database) and that writes again when it is done.
   */
  run(tx: Tx<DB>, uow: UnitOfWork<DB>): Promise<void>;
}

export class JobScheduler<DB> {
  private timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly service: string,
    private readonly jobs: JobDefinition<DB>[],
    private readonly uow: UnitOfWork<DB>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const job of this.jobs) {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        const run = this.runOnce(job).finally(() => {
          busy = false;
          this.running.delete(run);
        });
        this.running.add(run);
      }, job.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  async runOnce(job: JobDefinition<DB>): Promise<void> {
    const requestId = randomUUID();
    const span = startSpan(`job ${job.name}`, {}, SpanKind.INTERNAL);
    const started = performance.now();
    let status = 'ok';
    let error: unknown;
    await runWithContext(
      withDeadline(
        { service: this.service, requestId, acrossTenants: job.acrossTenants, traceparent: span.traceparent, traceId: span.traceId },
        Math.max(job.everyMs, 30_000),
      ),
      async () => {
        try {
          await this.uow.run((tx) => job.run(tx, this.uow), { background: true });
        } catch (e) {
          status = 'failed';
          error = e;
        }
      },
    );
    span.end(error);
    behaviourLog(this.logger, {
      service: this.service,
      kind: 'job',
      action: job.name,
      status,
      latencyMs: Math.round(performance.now() - started),
      requestId,
      traceId: span.traceId,
      error: error === undefined ? undefined : String(error),
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all(this.running);
  }
}
