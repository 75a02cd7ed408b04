import { describe, expect, it } from 'vitest';
import { ClusterUsageError, parseClusterArgs } from '../src/cluster/options.js';
import { clusterPlan } from '../src/cluster/plan.js';
import { restartDelayMs } from '../src/cluster/supervisor.js';

describe('npm run cluster: its options', () => {
  it('runs order, inventory and fulfilment twice by default, and --replicas changes the counts named', () => {
    expect(parseClusterArgs([])).toEqual({ replicas: { order: 2, inventory: 2, fulfilment: 2 }, seed: undefined, help: false });
    expect(parseClusterArgs(['--replicas', 'order=3,catalog=2', '--no-seed']).replicas).toEqual({ order: 3, inventory: 2, fulfilment: 2, catalog: 2 });
    expect(parseClusterArgs(['--seed']).seed).toBe(true);
  });

  it('refuses an unknown service, a bad count and an unknown option, naming them', () => {
    expect(() => parseClusterArgs(['--replicas', 'orders=2'])).toThrow(/unknown service "orders"; known: catalog, store/);
    expect(() => parseClusterArgs(['--replicas', 'order=0'])).toThrow(/order needs a count from 1 to 16, got "0"/);
    expect(() => parseClusterArgs(['--replica', 'order=2'])).toThrow(ClusterUsageError);
    expect(() => parseClusterArgs(['--seed', '--no-seed'])).toThrow(/choose one/);
  });
});

describe('npm run cluster: its plan', () => {
  let next = 9000;
  const plan = clusterPlan({ replicas: { order: 2 }, ports: () => next++, gateway: { host: '127.0.0.1', port: 8080 }, seed: true });

  it('starts catalog first, then one of each service, then the other replicas, then the gateway', () => {
    expect(plan.map((p) => `${p.phase} ${p.name}`)).toEqual([
      '0 catalog#1',
      '1 store#1',
      '1 inventory#1',
      '1 order#1',
      '2 order#2',
      '1 promotion#1',
      '1 customer#1',
      '1 payment#1',
      '1 fulfilment#1',
      '1 webhook#1',
      '3 gateway',
    ]);
  });

  it('wires the gateway to every replica of every service, and only the gateway seeds', () => {
    const gateway = plan.at(-1)!;
    expect(gateway.env).toMatchObject({ SERVICES: 'gateway', PORT: '8080', SEED: 'true' });
    expect(gateway.env.UPSTREAMS!.split(',').filter((u) => u.startsWith('order='))).toEqual(['order=http://127.0.0.1:9003', 'order=http://127.0.0.1:9004']);
    expect(gateway.env.UPSTREAMS!.split(',')).toHaveLength(10);
    expect(plan.filter((p) => p.env.SEED === 'true').map((p) => p.name)).toEqual(['gateway']);
    expect(plan.find((p) => p.name === 'order#2')!.env).toMatchObject({ SERVICES: 'order', HOST: '127.0.0.1', PORT: '9004' });
  });
});

describe('npm run cluster: restarts', () => {
  it('waits 0.25 s after a first death, doubling while a process keeps dying, up to 10 s', () => {
    expect([0, 1, 2, 3, 5, 6, 10].map(restartDelayMs)).toEqual([250, 500, 1000, 2000, 8000, 10_000, 10_000]);
  });
});
