import { CLUSTER_SERVICES } from './options.js';

/** One process of a cluster: what it runs, where it listens, and what it is told besides the cluster's common environment. */
export interface ProcessSpec {
  /** order#2, gateway, ... */
  name: string;
  service: string;
  host: string;
  port: number;
  /** Start phase: processes of one phase start together, after the previous phase is ready. */
  phase: number;
  env: Record<string, string>;
}

export const urlOf = (p: Pick<ProcessSpec, 'host' | 'port'>) => `http://${p.host}:${p.port}`;

/**
 * The cluster's processes in start phases: catalog first (the first process
 * makes the JetStream stream), then the first replica of every other service
 * (each migrates its schema alone), then the other replicas, then the gateway
 * with UPSTREAMS naming every replica of every service. Ports are given, so a
 * restarted process comes back where the gateway expects it.
 */
export function clusterPlan(opts: {
  replicas: Record<string, number>;
  ports: () => number;
  gateway: { host: string; port: number };
  seed: boolean;
}): ProcessSpec[] {
  const services: ProcessSpec[] = CLUSTER_SERVICES.flatMap((service) =>
    Array.from({ length: opts.replicas[service] ?? 1 }, (_, i) => ({
      name: `${service}#${i + 1}`,
      service,
      host: '127.0.0.1',
      port: opts.ports(),
      phase: i > 0 ? 2 : service === 'catalog' ? 0 : 1,
      env: { SERVICES: service, SEED: 'false' },
    })),
  );
  const upstreams = services.map((p) => `${p.service}=${urlOf(p)}`).join(',');
  const gateway: ProcessSpec = {
    name: 'gateway',
    service: 'gateway',
    ...opts.gateway,
    phase: 3,
    // The gateway reaches every service, so the demo seed runs through it, and it prints the demo banner.
    env: { SERVICES: 'gateway', UPSTREAMS: upstreams, SEED: String(opts.seed) },
  };
  return [...services, gateway].map((p) => ({ ...p, env: { ...p.env, HOST: p.host, PORT: String(p.port) } }));
}
