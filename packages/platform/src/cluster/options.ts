import { parseArgs } from 'node:util';

/** The platform's services in the order a cluster starts them (catalog first: it makes the stream); the gateway comes last. */
export const CLUSTER_SERVICES = ['catalog', 'store', 'inventory', 'order', 'promotion', 'customer', 'payment', 'fulfilment', 'webhook'] as const;

/** Services a cluster runs twice unless told otherwise: the ones that carry an order burst. */
export const DEFAULT_REPLICAS: Readonly<Record<string, number>> = { order: 2, inventory: 2, fulfilment: 2 };

export interface ClusterOptions {
  /** Replicas per service; a service not named has one. */
  replicas: Record<string, number>;
  /** Seed the demo brand through the gateway; undefined: the default of APP_ENV (development seeds). */
  seed: boolean | undefined;
  help: boolean;
}

export const CLUSTER_HELP = `npm run cluster -- [--replicas SERVICE=N,...] [--seed | --no-seed]

Starts the whole platform on this machine in distributed mode: the gateway, every service as a process
of its own, and replicas of order, inventory and fulfilment (two each by default), on PostgreSQL and
NATS JetStream. The gateway is the one public entry (PORT, default 8080); services take free ports on
127.0.0.1. A process that dies is restarted with backoff; Ctrl-C stops everything.

Options:
  --replicas  replicas per service, e.g. order=3,inventory=2 (1 to 16; others keep their default:
              ${Object.entries(DEFAULT_REPLICAS).map(([s, n]) => `${s}=${n}`).join(',')}, any other service 1)
  --seed      seed the demo brand through the gateway (the default; never with APP_ENV=production)
  --no-seed   start empty
  --help      this text

Environment (besides every setting of npm start, passed to each process):
  DATABASE_URL  PostgreSQL database (default postgres://postgres@127.0.0.1:5432/omnishop; made if missing)
  BUS_URL       NATS JetStream server (default nats://127.0.0.1:4222)
  BUS_STREAM    JetStream stream of this platform (default OMNISHOP)
  PORT, HOST    where the gateway listens (default 127.0.0.1:8080)
  DATABASE_POOL_MAX  connections per process, 2 of them for background work (default 7: 13 processes stay under PostgreSQL's 100)
`;

export class ClusterUsageError extends Error {}

/** --replicas order=3,inventory=2 over the defaults; an unknown service or a count outside 1..16 is refused, naming it. */
export function parseReplicas(text: string | undefined): Record<string, number> {
  const replicas: Record<string, number> = { ...DEFAULT_REPLICAS };
  for (const entry of text ? text.split(',') : []) {
    const [service = '', count = ''] = entry.split('=');
    if (!(CLUSTER_SERVICES as readonly string[]).includes(service)) {
      throw new ClusterUsageError(`--replicas: unknown service "${service}"; known: ${CLUSTER_SERVICES.join(', ')}`);
    }
    const n = Number(count);
    if (!/^\d+$/.test(count) || n < 1 || n > 16) throw new ClusterUsageError(`--replicas: ${service} needs a count from 1 to 16, got "${count}"`);
    replicas[service] = n;
  }
  return replicas;
}

export function parseClusterArgs(argv: string[]): ClusterOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { replicas: { type: 'string' }, seed: { type: 'boolean' }, 'no-seed': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    throw new ClusterUsageError((error as Error).message);
  }
  if (values.seed && values['no-seed']) throw new ClusterUsageError('--seed and --no-seed: choose one');
  const seed = values.seed ? true : values['no-seed'] ? false : undefined;
  return { replicas: parseReplicas(values.replicas), seed, help: values.help ?? false };
}
