// The console's screen logic that is plain functions, run as the browser runs it (the modules are served unbuilt).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: browser modules in plain JavaScript, without types
import { rows } from '../public/screens/waterfall.js';
// @ts-expect-error: browser modules in plain JavaScript, without types
import { scanned } from '../public/screens/pos.js';

describe('the trace waterfall', () => {
  it('indents each span under its parent and places it on the trace time line', () => {
    const span = (spanId: string, parentSpanId: string | undefined, startMs: number, durationMs: number) => ({ spanId, parentSpanId, startMs, durationMs, service: 'order', name: spanId, kind: 'server' });
    const laid = rows([span('child', 'root', 1010, 40), span('root', undefined, 1000, 100), span('grandchild', 'child', 1020, 10)]) as { span: { spanId: string }; depth: number; left: number; width: number }[];
    expect(laid.map((r) => [r.span.spanId, r.depth, r.left, r.width])).toEqual([
      ['root', 0, 0, 1],
      ['child', 1, 0.1, 0.4],
      ['grandchild', 2, 0.2, 0.1],
    ]);
  });
});

describe('the till', () => {
  it('adds a scanned SKU as a line, and one more of it when scanned again', () => {
    const once = scanned([], 'TS1001-BLK-M');
    expect(scanned(scanned(once, 'TS1001-BLK-M'), 'JN2001-BLU-L')).toEqual([
      { sku: 'TS1001-BLK-M', qty: 2 },
      { sku: 'JN2001-BLU-L', qty: 1 },
    ]);
  });
});
