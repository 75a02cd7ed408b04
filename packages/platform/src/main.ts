import { ConfigError, createLogger, onShutdownSignals } from '@omnishop/kit';
import { loadPlatformConfig } from './config.js';
import { DEMO_USERS, seedDemoUsers } from './demo-users.js';
import { startPlatform } from './platform.js';
import { DEMO_TENANT, seedDemo } from './seed.js';
import { DEMO_CUSTOMER, fillDemoWallet } from './demo-promotions.js';

/** A bad setting, found while reading the configuration or while starting with it, is said in words naming the key, without a stack trace. */
function refuseBadSetting(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

/** `npm start`: the whole platform in one process, seeded with the demo brand. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadPlatformConfig();
  } catch (error) {
    refuseBadSetting(error);
  }
  const logger = createLogger({ level: config.logLevel, name: 'omnishop' });
  const say = (line: string) => console.error(line);
  say(
    `omnishop: starting ${config.services} (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}, ${config.busUrl ? `NATS JetStream stream ${config.busStream}` : 'embedded bus'})`,
  );
  const platform = await startPlatform(config, logger).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      console.error(`omnishop: cannot listen on ${config.host}:${config.port} (${code}); set HOST and PORT to a free address`);
      process.exit(2);
    }
    refuseBadSetting(error);
  });
  onShutdownSignals(() => platform.stop(), logger);
  // The seed talks to store, catalog and inventory in-process; a process running only some services leaves it to one that runs all.
  const canSeed = ['store', 'catalog', 'inventory'].every((name) => platform.runtimes.some((r) => r.name === name));
  // Production gets neither demo data nor demo tokens signed with its real key.
  const demo = config.appEnv !== 'production';
  if (demo && config.seed && canSeed && (await seedDemo(platform, say))) say('omnishop: demo brand seeded');
  if (!demo) {
    say(`\nOmnishop is running at ${platform.url} (production: no demo seed, no demo tokens)`);
    return;
  }
  const signIn = config.seed && platform.runtimes.some((r) => r.name === 'gateway');
  const users = signIn ? await seedDemoUsers(platform) : new Map<string, string>();
  // The banner's customer is the one who signs in as "customer", with coupons in their wallet.
  const customer = users.get('customer') ?? DEMO_CUSTOMER;
  if (config.seed && platform.runtimes.some((r) => r.name === 'promotion')) await fillDemoWallet(platform, DEMO_TENANT, customer);
  const mint = (subject: string, role: 'customer' | 'brand_admin' | 'operator') =>
    platform.auth.mint({ subject, tenant: DEMO_TENANT, role }, 12 * 3600);
  say(`
Omnishop is running at ${platform.url}
  services       ${platform.url}/api
  health         ${platform.url}/health/ready
  OpenAPI        ${platform.runtimes.map((r) => `${platform.url}${r.def.prefix}/openapi.json`).join('\n                 ')}

Demo tokens (brand "${DEMO_TENANT}", valid 12 h; mint others with: npm run token -- --role clerk --store ST_SH_001):
  customer     ${await mint(customer, 'customer')}
  brand_admin  ${await mint(users.get('admin') ?? 'demo-admin', 'brand_admin')}
  operator     ${await mint(users.get('operator') ?? 'demo-operator', 'operator')}

${
  signIn
    ? `Demo users (brand "${DEMO_TENANT}"; username / password):
${DEMO_USERS.map((u) => `  ${u.role.padEnd(15)}${u.username} / ${u.password}`).join('\n')}
Sign in for an access token (valid ${config.accessTokenTtlSeconds} s) and a refresh token:
  curl -s -X POST ${platform.url}/api/auth/token -H 'content-type: application/json' \\
       -d '{"tenant":"${DEMO_TENANT}","username":"admin","password":"demo-admin-password"}'

`
    : ''
}Try (TOKEN=the customer token above):
  curl -s '${platform.url}/api/stores/nearest?lat=31.2304&lng=121.4737&limit=3' -H "authorization: Bearer $TOKEN"
  curl -s '${platform.url}/api/inventory/stock?sku=TS1001-BLK-M' -H "authorization: Bearer $TOKEN"
  curl -s -X POST ${platform.url}/api/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -H "idempotency-key: $(cat /proc/sys/kernel/random/uuid)" -d '{"lines":[{"sku":"TS1001-BLK-M","qty":1}]}'
  curl -s ${platform.url}/api/promotions/wallet -H "authorization: Bearer $TOKEN"      # the customer's coupons: add "coupons":["<code>"] to an order
`);
}

main().catch((error: unknown) => {
  console.error('omnishop: failed to start:', error);
  process.exit(1);
});
