import { context as otelContext, propagation, trace, type Span, type Context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry tracing. W3C `traceparent` travels over HTTP and inside event
 * headers, so one user action is one trace across services and the bus.
 * Recent finished spans are kept in memory (for the console); an exporter can
 * be added with `installTracing({ processors })`.
 */
export class RecentSpans implements SpanProcessor {
  /** A ring: the newest `capacity` spans, overwriting the oldest. */
  private readonly spans: (ReadableSpan | undefined)[];
  private next = 0;
  constructor(private readonly capacity = 2000) {
    this.spans = new Array<ReadableSpan | undefined>(capacity);
  }
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans[this.next] = span;
    this.next = (this.next + 1) % this.capacity;
  }
  byTrace(traceId: string): ReadableSpan[] {
    const ordered = [...this.spans.slice(this.next), ...this.spans.slice(0, this.next)];
    return ordered.filter((s): s is ReadableSpan => s?.spanContext().traceId === traceId);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

let installed: { provider: BasicTracerProvider; recent: RecentSpans } | undefined;

export function installTracing(opts: { processors?: SpanProcessor[] } = {}): RecentSpans {
  if (installed) return installed.recent;
  const recent = new RecentSpans();
  const provider = new BasicTracerProvider({ spanProcessors: [recent, ...(opts.processors ?? [])] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  installed = { provider, recent };
  return recent;
}

const getter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const v = carrier[key];
    return Array.isArray(v) ? (v[0] as string) : (v as string | undefined);
  },
};

export interface ActiveSpan {
  span: Span;
  traceId: string;
  /** W3C traceparent naming this span, to hand to children. */
  traceparent: string;
  end(error?: unknown): void;
}

/** Starts a span whose parent is the traceparent found in `carrier` (HTTP or event headers), if any. */
export function startSpan(name: string, carrier: Record<string, unknown>, kind: SpanKind = SpanKind.SERVER): ActiveSpan {
  const parent: Context = propagation.extract(otelContext.active(), carrier, getter);
  const span = trace.getTracer('omnishop').startSpan(name, { kind }, parent);
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    span,
    traceId,
    // W3C trace context, version 00: what the propagator would inject, without building a context for it.
    traceparent: `00-${traceId}-${spanId}-0${traceFlags & 1}`,
    end(error?: unknown) {
      if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      span.end();
    },
  };
}

export { SpanKind };
