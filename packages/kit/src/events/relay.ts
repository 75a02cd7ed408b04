import type { Kysely } from 'kysely';
import { acrossTenants, outsideContext } from '../context/index.js';
import type { Logger } from 'pino';
import { annotate, SpanKind, startSpan, type ActiveSpan } from '../trace/index.js';
import type { Bus } from './bus.js';
import type { EventEnvelope } from './envelope.js';
import type { EventTables } from './tables.js';

/**
 * Moves committed outbox rows to the bus, oldest first, in batches; deletes
 * them once the bus has them. A crash between the two republishes a batch,
 * which the bus and idempotent consumers absorb.
 * Woken right after a commit that wrote events, and on a timer for anything
 * left over (a restart, a bus that was down).
 */
export class Relay {
  private draining: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly db: Kysely<EventTables>,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly opts: {
      batchSize?: number;
      intervalMs?: number;
      /** Resolves once what was committed so far is on disk: nothing leaves the service before its own database has it. */
      durable?: () => Promise<void>;
      /** Whose outbox this is, for the publish spans. */
      service?: string;
    } = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => this.nudge(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
    this.nudge();
  }

  nudge(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    // The drain belongs to no request: run it outside the context of whoever nudged, so that
    // request's deadline does not reach the relay's queries.
    this.draining = outsideContext(() => acrossTenants("the relay publishes every brand's events", () => this.drain())).finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.nudge();
      }
    });
  }

  /** Publishes everything committed so far; used at shutdown. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
    this.nudge();
    await this.draining;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /**
   * A span for an event's way from the outbox onto the bus, a child of the work that emitted it; its
   * consumers' spans become its children, as the event now carries this span's traceparent.
   */
  private publishSpan(envelope: EventEnvelope): ActiveSpan {
    const span = startSpan(`publish ${envelope.type}`, envelope.headers, SpanKind.PRODUCER);
    annotate(span.span, {
      'omnishop.service': this.opts.service ?? envelope.source,
      'omnishop.tenant': envelope.tenant,
      'omnishop.event.type': envelope.type,
      'omnishop.event.key': envelope.key,
      'omnishop.event.id': envelope.id,
    });
    envelope.headers = { ...envelope.headers, traceparent: span.traceparent };
    return span;
  }

  private async drain(): Promise<void> {
    const batchSize = this.opts.batchSize ?? 500;
    try {
      for (;;) {
        const rows = await this.db.selectFrom('outbox').select(['seq', 'envelope']).orderBy('seq').limit(batchSize).execute();
        const last = rows[rows.length - 1];
        if (!last) return;
        await this.opts.durable?.();
        const envelopes = rows.map((r) => JSON.parse(r.envelope) as EventEnvelope);
        const spans = envelopes.map((e) => this.publishSpan(e));
        try {
          await this.bus.publish(envelopes);
        } catch (error) {
          for (const span of spans) span.end(error);
          throw error;
        }
        for (const span of spans) span.end();
        // By exact seq, not a range: on PostgreSQL a lower seq can commit after a higher one was read.
        await this.db.deleteFrom('outbox').where('seq', 'in', rows.map((r) => r.seq)).execute();
        this.failures = 0;
        if (rows.length < batchSize) return;
      }
    } catch (error) {
      // The rows stay in the outbox; the timer tries again. Log once per outage, not per tick.
      if (this.failures++ === 0) this.logger.error({ err: error }, 'relay could not publish; events wait in the outbox');
    }
  }
}
