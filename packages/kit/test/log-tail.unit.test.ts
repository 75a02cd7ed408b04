import { describe, expect, it } from 'vitest';
import { LogTail, type TailRow } from '../src/events/log-tail.js';

/** A log of `count` rows from seq 1, types taking turns; `reads` counts the tail's reads of it. */
function log(count: number, types = ['OrderPlaced', 'StockHeld', 'PaymentCaptured']) {
  const rows: TailRow[] = Array.from({ length: count }, (_, i) => ({ seq: i + 1, type: types[i % types.length]!, envelope: `{"n":${i + 1}}` }));
  const reads: number[] = [];
  const read = (after: number, limit: number) => {
    reads.push(after);
    return rows.filter((r) => r.seq > after).slice(0, limit);
  };
  let tail: LogTail | undefined;
  /** Publishes: appends a row and tells the tail, as the bus does. */
  const append = (type: string) => {
    rows.push({ seq: rows.length + 1, type, envelope: '{}' });
    tail?.grown();
  };
  return { rows, reads, read, append, tails: (t: LogTail) => (tail = t) };
}

const seqs = (batch: { rows: TailRow[] } | undefined) => batch?.rows.map((r) => r.seq);

describe('the embedded bus log tail', () => {
  it('hands each group the rows of its types in order, reading the log once for all of them', () => {
    const l = log(0);
    const tail = l.tails(new LogTail(l.read, 0));
    for (let i = 0; i < 9; i++) l.append(['OrderPlaced', 'StockHeld', 'PaymentCaptured'][i % 3]!);
    expect(seqs(tail.next('inventory', 0, new Set(['OrderPlaced']), 10))).toEqual([1, 4, 7]);
    expect(seqs(tail.next('order', 0, new Set(['StockHeld', 'PaymentCaptured']), 10))).toEqual([2, 3, 5, 6, 8, 9]);
    expect(l.reads).toEqual([0]); // a short read: nothing more until the next publish
  });

  it('stops at the batch size and says how far it looked when it found nothing', () => {
    const l = log(30);
    const tail = l.tails(new LogTail(l.read, 0, 10_000, 7));
    const batch = tail.next('payment', 0, new Set(['PaymentCaptured']), 4)!;
    expect(seqs(batch)).toEqual([3, 6, 9, 12]);
    expect(batch.scannedTo).toBe(12);
    const none = tail.next('rare', 0, new Set(['AccessRevoked']), 4)!;
    expect(none.rows).toEqual([]);
    expect(none.scannedTo).toBe(30);
  });

  it('leaves a group behind where it starts to read the log itself', () => {
    const l = log(10);
    const tail = l.tails(new LogTail(l.read, 10));
    expect(tail.start).toBe(10);
    expect(tail.next('late', 5, new Set(['OrderPlaced']), 10)).toBeUndefined();
    l.append('OrderPlaced');
    expect(seqs(tail.next('late', 10, new Set(['OrderPlaced']), 10))).toEqual([11]);
  });

  it('lets go of the rows every group has passed, and of the oldest beyond its capacity', () => {
    const l = log(0);
    const tail = l.tails(new LogTail(l.read, 0, 5, 100));
    for (let i = 0; i < 4; i++) l.append('OrderPlaced');
    expect(seqs(tail.next('a', 0, new Set(['OrderPlaced']), 2))).toEqual([1, 2]);
    expect(seqs(tail.next('b', 0, new Set(['OrderPlaced']), 10))).toEqual([1, 2, 3, 4]);
    l.append('OrderPlaced');
    expect(seqs(tail.next('b', 4, new Set(['OrderPlaced']), 10))).toEqual([5]);
    expect(tail.start).toBe(0); // a is at 0 still: kept for it
    expect(seqs(tail.next('a', 2, new Set(['OrderPlaced']), 10))).toEqual([3, 4, 5]);
    for (let i = 0; i < 8; i++) l.append('OrderPlaced');
    expect(seqs(tail.next('b', 5, new Set(['OrderPlaced']), 100))).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
    expect(tail.start).toBeGreaterThanOrEqual(2); // rows below every group were let go of
    for (let i = 0; i < 10; i++) l.append('OrderPlaced');
    expect(tail.next('b', 13, new Set(['OrderPlaced']), 100)?.rows).toHaveLength(10);
    expect(tail.start).toBeGreaterThan(2); // beyond capacity, a's rows went too
    expect(tail.next('a', 2, new Set(['OrderPlaced']), 10)).toBeUndefined();
  });
});
