/**
 * `npm run bench fuzz`: the fuzz run of the test suite, longer. Starts the
 * embedded platform in this process (every service, SQLite in a temporary
 * folder, rate limits off), sends it generated requests over real sockets,
 * prints the figures and writes them as JSON. Exits 1 when any answer broke
 * a rule (a 5xx, a 4xx that is not problem+json, no answer in time).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, ROLES, type Role } from '@omnishop/kit';
import { loadPlatformConfig } from '../packages/platform/src/config.js';
import { startPlatform } from '../packages/platform/src/platform.js';
import { liveRoutes } from '../packages/platform/test/fuzz/routes.js';
import { describeFindings, runFuzz } from '../packages/platform/test/fuzz/run.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

const HELP = `Usage: npm run bench fuzz -- [options]

Sends generated requests (correct, and damaged in body, headers or path) to
every route of the embedded platform, checks every answer (no 5xx, every 4xx
problem+json, no hang), prints the figures and writes them as JSON.

Options:
  --count <n>         requests (default 100000)
  --seed <n>          fast-check seed: the same seed sends the same requests (default 20240611, the test suite's)
  --concurrency <n>   requests in flight (default 8)
  --timeout-ms <n>    an answer later than this is a hang (default 15000)
  --out <file>        JSON output (default bench/results/fuzz-<timestamp>.json)
  -h, --help          this text
`;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      'timeout-ms': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const integer = (name: string, raw: string | undefined, fallback: number, min: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(n) || n < min) {
      process.stderr.write(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}\n\n${HELP}`);
      process.exit(2);
    }
    return n;
  };
  const count = integer('count', values.count, 100_000, 1);
  const seed = integer('seed', values.seed, 20240611, 0);
  const concurrency = integer('concurrency', values.concurrency, 8, 1);
  const timeoutMs = integer('timeout-ms', values['timeout-ms'], 15_000, 1);
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const out = resolve(values.out ?? join(BENCH_DIR, 'results', `fuzz-${stamp}.json`));

  const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-fuzz-'));
  const config = loadPlatformConfig(
    // One thread: the fuzz reads every route from the service runtimes of this one.
    { PORT: '0', DATA_DIR: dataDir, SEED: 'false', LOG_LEVEL: 'error', SQLITE_SYNCHRONOUS: 'NORMAL', RATE_LIMIT_CLIENT_MAX: '0', RATE_LIMIT_BRAND_MAX: '0', THREAD_SERVICES: 'none' },
    '/nonexistent',
  );
  // Errors (a 500's cause) go to stderr beside the progress lines.
  const platform = await startPlatform(config, createLogger({ level: config.logLevel, destination: process.stderr }));
  try {
    const store = 'STFUZZ';
    const byRole = {} as Record<Role, string>;
    for (const role of ROLES) byRole[role] = await platform.auth.mint({ subject: `fuzz-${role}`, tenant: 'acme', role, ...(role === 'clerk' || role === 'store_manager' ? { store } : {}) });
    const routes = liveRoutes(platform);
    process.stderr.write(`fuzz: ${count} requests over ${routes.length} routes, seed ${seed}, ${concurrency} in flight...\n`);
    const report = await runFuzz({ url: platform.url, routes, tokens: { byRole, store }, count, seed, concurrency, timeoutMs });
    const ready = await fetch(`${platform.url}/health/ready`);
    const result = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, routes: routes.length, concurrency, timeoutMs, readyAfter: ready.status, ...report };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    const lines = [
      '',
      `Fuzz — ${report.requests} requests over ${routes.length} routes, seed ${seed}, ${concurrency} in flight, node ${process.version}, ${cpus().length} CPUs`,
      `  took ${(report.elapsedMs / 1000).toFixed(1)} s: ${report.requestsPerSec} req/s (generator and platform share this process)`,
      `  statuses: ${Object.entries(report.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ')}`,
      `  kinds:    ${Object.entries(report.byKind).map(([k, n]) => `${k}: ${n}`).join(', ')}`,
      `  /health/ready after: ${ready.status}`,
      `  findings: ${report.findings.length}`,
      ...describeFindings(report.findings.slice(0, 20)).map((l) => `    ${l}`),
      '',
      `results written to ${relative(process.cwd(), out) || out}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (report.findings.length || ready.status !== 200) process.exitCode = 1;
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
