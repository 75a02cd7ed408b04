import { fileURLToPath } from 'node:url';
import { ConfigError } from '@omnishop/kit';
import { loadPlatformConfig } from '../config.js';
import { ensureDatabase } from './database.js';
import { CLUSTER_HELP, CLUSTER_SERVICES, ClusterUsageError, parseClusterArgs, type ClusterOptions } from './options.js';
import { clusterPlan, urlOf } from './plan.js';
import { freePort } from './ports.js';
import { Supervisor } from './supervisor.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const PLATFORM_MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const say = (line: string) => process.stderr.write(`${line}\n`);

function options(): ClusterOptions {
  try {
    return parseClusterArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ClusterUsageError)) throw error;
    say(`${error.message}\n\n${CLUSTER_HELP}`);
    process.exit(2);
  }
}

/** `npm run cluster`: the platform in distributed mode on this machine, one process per service and replica, behind the gateway. */
async function main(): Promise<void> {
  const opts = options();
  if (opts.help) {
    process.stdout.write(CLUSTER_HELP);
    return;
  }
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/omnishop',
    BUS_URL: process.env.BUS_URL || 'nats://127.0.0.1:4222',
    DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? '7',
    LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json'),
  };
  let config;
  try {
    config = loadPlatformConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    say(error.message);
    process.exit(2);
  }
  const production = config.appEnv === 'production';
  if (production && opts.seed) say('cluster: --seed: a production start never seeds the demo brand; starting without it');
  const seed = !production && opts.seed !== false;
  if (await ensureDatabase(config.databaseUrl)) say(`cluster: created database ${new URL(config.databaseUrl).pathname.slice(1)}`);
  const count = CLUSTER_SERVICES.reduce((n, service) => n + (opts.replicas[service] ?? 1), 0);
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const plan = clusterPlan({ replicas: opts.replicas, ports: () => ports.shift()!, gateway: { host: config.host, port: config.port }, seed });
  say(`cluster: ${plan.length} processes on ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//')} and ${config.busUrl} (stream ${config.busStream})${seed ? '; the gateway seeds the demo brand' : '; no demo seed'}`);
  const supervisor = new Supervisor({ command: process.execPath, args: ['--import', 'tsx', PLATFORM_MAIN], cwd: ROOT, env, write: say }, plan);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say('cluster: stopping every process...');
    supervisor.stop().then(
      () => {
        say('cluster: stopped');
        process.exit(0);
      },
      (error: unknown) => {
        say(`cluster: stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Whoever started the cluster is gone (its terminal, a test runner): nobody reads the output any more,
  // and the processes must not outlive it.
  process.stderr.on('error', () => undefined);
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(), 1000).unref();
  try {
    await supervisor.start();
  } catch (error) {
    say(`cluster: ${(error as Error).message}`);
    stop();
    return;
  }
  if (stopping) return;
  const pids = supervisor.pids();
  say(`\ncluster: every process is ready; the gateway at ${urlOf(plan.at(-1)!)} is the one public entry`);
  for (const p of plan) say(`  ${p.name.padEnd(14)} pid ${String(pids.get(p.name)).padEnd(8)} ${urlOf(p)}`);
  say('Ctrl-C stops them all.');
}

main().catch((error: unknown) => {
  say(`cluster: failed to start: ${String(error)}`);
  process.exit(1);
});
