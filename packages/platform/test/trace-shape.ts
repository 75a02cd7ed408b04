import { expect } from 'vitest';

/** A span as GET /api/traces/{traceId} answers it. */
export interface SpanSeen {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
}

/** The services an online order's checkout does work in, in either mode: from placing it to asking for its payment. */
export const CHECKOUT_SERVICES = ['order', 'inventory', 'promotion', 'fulfilment', 'payment'];

/**
 * A trace is one tree across HTTP and the bus: `root` (`service: name`) its only root, every other
 * span's parent in it, and every event consumed under the span that published it, in the service
 * that emitted it. A span lost on the way (another thread's, another process's) breaks the tree.
 */
export function expectOneTree(spans: readonly SpanSeen[], root: string): void {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  expect(spans.filter((s) => !s.parentSpanId || !byId.has(s.parentSpanId)).map((s) => `${s.service}: ${s.name}`)).toEqual([root]);
  for (const consumed of spans.filter((s) => s.name.startsWith('consume '))) {
    const parent = byId.get(consumed.parentSpanId!)!;
    expect(`${parent.service}: ${parent.name}`, `the parent of ${consumed.service}: ${consumed.name}`).toBe(`${String(consumed.attributes['omnishop.event.source'])}: ${consumed.name.replace(/^consume /, 'publish ')}`);
  }
}
