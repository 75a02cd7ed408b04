import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { installTracing, startSpan } from '../src/trace/index.js';

installTracing({ env: {} });

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

describe('startSpan', () => {
  it('continues the trace of a version-00 traceparent, sampled or not', () => {
    for (const flags of ['01', '00']) {
      const span = startSpan('child', { traceparent: `00-${TRACE}-${PARENT}-${flags}` });
      expect(span.traceId).toBe(TRACE);
      // Only a sampled span records (and keeps) its parent; an unsampled one just carries the trace on.
      if (flags === '01') expect((span.span as unknown as ReadableSpan).parentSpanContext).toMatchObject({ traceId: TRACE, spanId: PARENT, isRemote: true });
      expect(span.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-0${flags === '01' ? 1 : 0}$`));
      span.end();
    }
  });

  it('continues a traceparent that carries a tracestate, through the propagator', () => {
    const span = startSpan('child', { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=x' });
    expect(span.traceId).toBe(TRACE);
    span.end();
  });

  it.each([
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['not hex', `00-${TRACE.replace('a', 'g')}-${PARENT}-01`],
    ['misplaced dashes', `00-${TRACE}${PARENT}--01-`],
    ['garbage', 'not a traceparent'],
  ])('starts a new trace when the traceparent is malformed (%s)', (_, traceparent) => {
    const span = startSpan('fresh', { traceparent });
    expect(span.traceId).not.toBe(TRACE);
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    span.end();
  });
});
