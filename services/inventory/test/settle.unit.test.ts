import { describe, expect, it } from 'vitest';
import { SETTLE_ATTEMPTS, settleFrom } from '../commands.js';
import type { ReservationStatus } from '../domain/stock.js';

/** A reservation that another handler commits between this handler's read and its conditional settling. */
function racing() {
  let status: ReservationStatus = 'held';
  const seen: ReservationStatus[] = [];
  return {
    seen,
    read: async () => ({ id: 'r1', status }),
    settle: async (r: { status: ReservationStatus }) => {
      seen.push(r.status);
      if (seen.length === 1) status = 'committed'; // the other replica's OrderConfirmed commits first
      if (r.status !== status) return false; // conditional on the status read: settles nothing
      status = 'sold';
      return true;
    },
    status: () => status,
  };
}

describe('settling an order\'s reservation while another handler changes it', () => {
  it('sells a reservation committed meanwhile instead of leaving it held for good', async () => {
    const r = racing();
    await expect(settleFrom(['held', 'committed'], r.read, r.settle, 'sale')).resolves.toBe(true);
    expect(r.seen).toEqual(['held', 'committed']);
    expect(r.status()).toBe('sold');
  });

  it('settles nothing when the status read is not one it settles from, or there is no reservation', async () => {
    await expect(settleFrom(['committed'], async () => ({ status: 'released' as ReservationStatus }), async () => true, 'sale')).resolves.toBe(false);
    await expect(settleFrom(['committed'], async () => undefined, async () => true, 'sale')).resolves.toBe(false);
  });

  it('gives up after a few reads when the status keeps changing, so the event is retried', async () => {
    let reads = 0;
    const read = async () => (reads++, { status: 'held' as ReservationStatus });
    await expect(settleFrom(['held'], read, async () => false, 'release')).rejects.toThrow(/kept changing/);
    expect(reads).toBe(SETTLE_ATTEMPTS);
  });
});
