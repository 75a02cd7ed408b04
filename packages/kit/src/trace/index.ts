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
  private readonly spans: ReadableSpan[] = [];
  constructor(private readonly capacity = 2000) {}
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
    if (this.spans.length > this.capacity) this.spans.splice(0, this.spans.length - this.capacity);
  }
  byTrace(traceId: string): ReadableSpan[] {
    return this.spans.filter((s) => s.spanContext().traceId === traceId);
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
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(otelContext.active(), span), headers);
  const traceId = span.spanContext().traceId;
  return {
    span,
    traceId,
    traceparent: headers.traceparent ?? '',
    end(error?: unknown) {
      if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      span.end();
    },
  };
}

export { SpanKind };
