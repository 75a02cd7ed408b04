import { describe, expect, it } from 'vitest';
import { alive, api, auth, placeWhenKnown, settledStatus, startCluster, stockThroughGateway } from './cluster-process.js';
import { eventually } from './harness.js';

/**
 * `npm run cluster`: the platform as separate processes behind the gateway,
 * on PostgreSQL and JetStream; a killed replica comes back; Ctrl-C leaves
 * no process behind.
 */
describe('npm run cluster', () => {
  it('serves an order through the gateway, restarts a replica killed with SIGKILL, and stops every process on Ctrl-C', async () => {
    const cluster = await startCluster(['--replicas', 'order=2,inventory=1,fulfilment=1', '--no-seed']);
    try {
      expect([...cluster.processes.keys()].sort()).toEqual(['catalog#1', 'customer#1', 'fulfilment#1', 'gateway', 'inventory#1', 'order#1', 'order#2', 'payment#1', 'promotion#1', 'store#1']);
      expect(cluster.output()).toMatch(/no demo seed/);
      const { sku } = await stockThroughGateway(cluster.url, 5);
      const buyer = await auth.mint({ subject: 'buyer', tenant: 'acme', role: 'customer' });
      const id = await placeWhenKnown(cluster.url, buyer, sku);
      expect(await settledStatus(cluster.url, buyer, id)).toBe('confirmed');

      const victim = cluster.processes.get('order#2')!;
      process.kill(victim.pid, 'SIGKILL');
      const [, pid] = await cluster.said(/order#2\s+\| restarted: pid (\d+)/, 30_000);
      expect(Number(pid)).not.toBe(victim.pid);
      await eventually(async () => ((await api(victim.url, 'GET', '/health/ready').catch(() => undefined))?.status === 200 ? true : undefined), 'order#2 to be ready again');
      const again = await placeWhenKnown(cluster.url, buyer, sku);
      expect(await settledStatus(cluster.url, buyer, again)).toBe('confirmed');

      const pids = [...[...cluster.processes.values()].map((p) => p.pid), Number(pid)];
      expect(await cluster.stop()).toBe(0);
      expect(pids.filter(alive), 'processes left behind').toEqual([]);
    } finally {
      if (cluster.child.exitCode === null) await cluster.stop();
    }
  });
});
