import { context as otelContext, propagation, trace, type Span, type Context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { currentContext } from '../context/index.js';
import { Ring } from '../ring/index.js';
import { otlpProcessors } from './export.js';

/**
 * OpenTelemetry tracing. W3C `traceparent` travels over HTTP and inside event
 * headers, so one user action is one trace across services and the bus.
 * Recent finished spans are kept in memory (for the console); an exporter can
 * be added with `installTracing({ processors })`.
 */
export class RecentSpans implements SpanProcessor {
  /** The newest `capacity` spans, overwriting the oldest. */
  private readonly spans: Ring<ReadableSpan>;
  constructor(capacity = 10_000) {
    this.spans = new Ring(capacity);
  }
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  byTrace(traceId: string): ReadableSpan[] {
    return this.all().filter((s) => s.spanContext().traceId === traceId);
  }
  /** Every span kept, oldest first. */
  all(): ReadableSpan[] {
    return this.spans.all();
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

let installed: { provider: BasicTracerProvider; recent: RecentSpans } | undefined;

/**
 * Once per process (per thread: a worker has its own): the global tracer provider, keeping recent spans
 * in memory, and exporting them over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (see export.ts).
 */
export function installTracing(opts: { processors?: SpanProcessor[]; env?: NodeJS.ProcessEnv } = {}): RecentSpans {
  if (installed) return installed.recent;
  const recent = new RecentSpans();
  const exported = otlpProcessors(opts.env ?? process.env);
  const provider = new BasicTracerProvider({ spanProcessors: [recent, ...exported.processors, ...(opts.processors ?? [])], resource: exported.resource });
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

const HEX_ID = /^[0-9a-f]+$/;
const ZEROS = /^0+$/;

/**
 * The parent named by `carrier`: a version-00 traceparent with no tracestate, the only kind our own
 * services send, is read here by slicing (a span per event and per request started from it, and the
 * propagator's regular expression and checks were a quarter of what starting a span cost); anything
 * else is left to the W3C propagator, which also drops what is malformed.
 */
function parentOf(carrier: Record<string, unknown>): Context {
  const header = carrier.traceparent;
  if (typeof header === 'string' && header.length === 55 && header.startsWith('00-') && header[35] === '-' && header[52] === '-' && carrier.tracestate === undefined) {
    const traceId = header.slice(3, 35);
    const spanId = header.slice(36, 52);
    const flags = header.slice(53);
    if (HEX_ID.test(traceId) && HEX_ID.test(spanId) && HEX_ID.test(flags) && !ZEROS.test(traceId) && !ZEROS.test(spanId)) {
      return trace.setSpanContext(otelContext.active(), { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true });
    }
  }
  return propagation.extract(otelContext.active(), carrier, getter);
}

/** A proxy that follows whichever provider is installed, so it is asked for once. */
const tracer = trace.getTracer('omnishop');

/** Starts a span whose parent is the traceparent found in `carrier` (HTTP or event headers), if any. */
export function startSpan(name: string, carrier: Record<string, unknown>, kind: SpanKind = SpanKind.SERVER): ActiveSpan {
  const span = tracer.startSpan(name, { kind }, parentOf(carrier));
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

/**
 * Sets attributes of our own making (short strings and numbers, a handful) on a recording SDK span
 * by writing them into its attributes, skipping the SDK's per-attribute validation: measured, setting
 * seven that way cost as much as making the span itself. Any other span gets setAttributes.
 */
export function annotate(span: Span, attributes: Record<string, string | number>): void {
  const own = (span as unknown as { attributes?: unknown; ended?: boolean }).attributes;
  if (own && typeof own === 'object' && !(span as unknown as { ended?: boolean }).ended) Object.assign(own, attributes);
  else span.setAttributes(attributes);
}

/** What the console and a trace backend read of a request's span: who answered what, for which brand. */
export function serverSpanAttributes(service: string, route: string | undefined, url: string, status: number, tenant: string | undefined, requestId?: string) {
  // The method is in the span's name. Built without spreads: this runs once per request.
  const attributes: Record<string, string | number> = { 'omnishop.service': service, 'http.route': route ?? 'unmatched', 'http.response.status_code': status };
  const query = url.indexOf('?');
  attributes['url.path'] = query < 0 ? url : url.slice(0, query);
  if (tenant) attributes['omnishop.tenant'] = tenant;
  if (requestId) attributes['omnishop.request_id'] = requestId;
  return attributes;
}

/**
 * A span inside the current work (a unit of work, an outbox write, a call out): a child of `parent`,
 * or of the context's span. None when there is no trace to join: work outside any request or event.
 */
export function childSpan(name: string, kind: SpanKind = SpanKind.INTERNAL, parent = currentContext()?.traceparent): ActiveSpan | undefined {
  return parent ? startSpan(name, { traceparent: parent }, kind) : undefined;
}

/** Flushes what the exporters hold (at shutdown); recent spans stay. */
export async function flushTracing(): Promise<void> {
  await installed?.provider.forceFlush();
}

export { SpanKind };
