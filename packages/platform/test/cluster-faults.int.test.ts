import { describe, expect, it } from 'vitest';
import { auth, ledgerOf, orderBurst, startCluster, stockThroughGateway, placeWhenKnown, settledStatus, watchSettling } from './cluster-process.js';

const STOCK = 40;
const ORDERS = 50;

/**
 * Faults of distributed mode, through the gateway of a real cluster: every
 * accepted order reaches a final state, stock reconciles with the ledger,
 * nothing is applied twice, and clients see no 502.
 */
describe('cluster faults', () => {
  it('SIGKILL of an order and an inventory replica during a burst: the orders they held settle within 5 s of their death', async () => {
    const cluster = await startCluster(['--replicas', 'order=2,inventory=2,fulfilment=1', '--no-seed']);
    try {
      const { sku, admin } = await stockThroughGateway(cluster.url, STOCK);
      const buyer = await auth.mint({ subject: 'burst-buyer', tenant: 'acme', role: 'customer' });
      expect(await settledStatus(cluster.url, buyer, await placeWhenKnown(cluster.url, buyer, sku))).toBe('confirmed');
      let killedAt = 0;
      const burst = await orderBurst(cluster.url, buyer, sku, {
        count: ORDERS,
        everyMs: 40,
        onStarted: (i) => {
          if (i !== ORDERS / 2) return;
          killedAt = Date.now();
          process.kill(cluster.processes.get('order#1')!.pid, 'SIGKILL');
          process.kill(cluster.processes.get('inventory#1')!.pid, 'SIGKILL');
        },
      });
      expect(burst.statuses.filter((s) => s !== 201 && s !== 503), 'no 502 (nor anything but 201 and a retryable 503) while another replica is up').toEqual([]);
      expect(burst.accepted).toHaveLength(ORDERS);
      const settled = await watchSettling(cluster.url, buyer, burst.accepted);
      const statuses = [...settled.values()].map((s) => s.status);
      // One unit went to the first order; the burst takes the rest, and the others are refused.
      expect(statuses.filter((s) => s === 'confirmed')).toHaveLength(STOCK - 1);
      expect(statuses.filter((s) => s === 'rejected')).toHaveLength(ORDERS - STOCK + 1);
      const lastSettled = Math.max(...[...settled.values()].map((s) => s.at));
      expect(lastSettled - killedAt, 'every order settled within 5 s of the kill (the burst ends about 1 s after it)').toBeLessThan(5000 + ORDERS * 20);

      const ledger = await ledgerOf(cluster.url, admin, sku);
      expect(new Set(ledger.reserved).size, 'no order reserved twice').toBe(ledger.reserved.length);
      expect(ledger.reserved).toHaveLength(STOCK);
      expect(ledger.balance).toEqual({ onHand: STOCK, reserved: STOCK, available: 0 });
      await cluster.said(/order#1\s+\| restarted/);
      await cluster.said(/inventory#1\s+\| restarted/);
    } finally {
      await cluster.stop();
    }
  });
});
