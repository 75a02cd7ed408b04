import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A finished span as the console reads it: plain JSON, times in epoch milliseconds. */
export interface SpanView {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  /** The service that did the work (`omnishop.service`), else the process's name. */
  service: string;
  tenant?: string;
  startMs: number;
  durationMs: number;
  error?: string;
  attributes: Record<string, string | number | boolean>;
}

const KINDS: Record<SpanKind, SpanView['kind']> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

const ms = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;

export function spanView(span: ReadableSpan): SpanView {
  const attributes: SpanView['attributes'] = {};
  for (const [k, v] of Object.entries(span.attributes)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[k] = v;
  const { traceId, spanId } = span.spanContext();
  const service = attributes['omnishop.service'];
  const tenant = attributes['omnishop.tenant'];
  return {
    traceId,
    spanId,
    ...(span.parentSpanContext?.spanId ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    name: span.name,
    kind: KINDS[span.kind],
    service: typeof service === 'string' ? service : String(span.resource.attributes['service.name'] ?? 'omnishop'),
    ...(typeof tenant === 'string' ? { tenant } : {}),
    startMs: ms(span.startTime),
    durationMs: Math.round(ms(span.duration) * 1000) / 1000,
    ...(span.status.code === SpanStatusCode.ERROR ? { error: span.status.message ?? 'error' } : {}),
    attributes,
  };
}

/** One trace in a list: where it began, how long it ran, which services it crossed. */
export interface TraceSummary {
  traceId: string;
  root: string;
  startMs: number;
  durationMs: number;
  spans: number;
  services: string[];
  errors: number;
}

export function summarize(traceId: string, spans: readonly SpanView[]): TraceSummary {
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const ids = new Set(spans.map((s) => s.spanId));
  const root = spans.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? spans[0]!;
  return {
    traceId,
    root: root.name,
    startMs: start,
    durationMs: Math.round((end - start) * 1000) / 1000,
    spans: spans.length,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    errors: spans.filter((s) => s.error).length,
  };
}

/** Whether a span is about `id`: an event keyed by it, or a request whose path names it. */
export function spanConcerns(span: SpanView, id: string): boolean {
  if (span.attributes['omnishop.event.key'] === id || span.attributes['omnishop.request_id'] === id) return true;
  const path = span.attributes['url.path'];
  return typeof path === 'string' && path.split('/').includes(id);
}

/**
 * What a principal may see of some spans: a platform operator (tenant undefined) everything; anyone
 * else the traces that touched their brand, without spans of another brand's work.
 */
export function visibleTo(spans: readonly SpanView[], tenant: string | undefined): SpanView[] {
  if (tenant === undefined) return [...spans];
  const theirs = new Set(spans.filter((s) => s.tenant === tenant).map((s) => s.traceId));
  return spans.filter((s) => theirs.has(s.traceId) && (s.tenant === undefined || s.tenant === tenant));
}

/** Spans grouped by trace, each trace's spans in start order, traces newest first. */
export function byTrace(spans: readonly SpanView[]): Map<string, SpanView[]> {
  const traces = new Map<string, SpanView[]>();
  for (const s of spans) {
    const list = traces.get(s.traceId);
    if (list) list.push(s);
    else traces.set(s.traceId, [s]);
  }
  for (const list of traces.values()) list.sort((a, b) => a.startMs - b.startMs);
  return new Map([...traces].sort(([, a], [, b]) => b[0]!.startMs - a[0]!.startMs));
}
