import { parseArgs } from 'node:util';
import { ConfigError, ROLES, tokenAuthority, type Role } from '@omnishop/kit';
import { loadPlatformConfig, signingKeys } from './config.js';
import { ops, OPS_HELP } from './ops.js';
import { judgeToken, type TokenFacts } from './token-check.js';

const HELP = `omnishop CLI

Usage:
  npm run -s cli -- token --role ROLE [--tenant BRAND] [--sub SUBJECT] [--store STORE] [--ttl SECONDS]
  npm run -s token -- --role ROLE ...   (shortcut for the above)
  npm run -s cli -- double11 [options]   (a Singles' Day midnight rehearsal: npm run double11 -- --help)
  npm run -s cli -- ops COMMAND [options]   (operator commands: see below)
  npm run -s cli -- help

The token alone goes to stdout, anything else to stderr; -s keeps npm's own lines out of stdout, so
  TOKEN=$(npm run -s token -- --role clerk --store ST_SH_001)
captures just the token.

Commands:
  token   Mint an access token signed with the configured key (the first of JWT_KEYS, else JWT_SECRET, else the demo key).
          --role    one of: ${ROLES.join(', ')}  (required)
          --tenant  brand code the token belongs to (default: demo)
          --sub     subject: the user or customer id (default: cli-<role>)
          --store   store code, for clerks and store managers
          --ttl     lifetime in seconds (default: 3600; at most RETENTION_SECONDS, 7 days by default)
          --url     the running platform to check brand and store against (default: http://HOST:PORT)
          --force   mint even for a store that does not exist or is closed
          The brand and store are checked against the running platform: an unknown or closed store
          is refused, a brand without a profile or an unreachable platform is warned about.

${OPS_HELP}
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) {
    console.error(HELP);
    return 2;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP);
    return 0;
  }
  if (command === 'double11') {
    // The rehearsal lives with the bench (it starts platforms as the bench does); loaded only when asked for.
    const { command: rehearse } = await import('../../../bench/double11/main.js');
    return rehearse(rest);
  }
  if (command === 'ops') {
    return ops(rest).catch((error: unknown) => {
      console.error((error as Error).message); // a refusal or an unreachable platform: said in one line
      return 1;
    });
  }
  if (command !== 'token') {
    console.error(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      role: { type: 'string' },
      tenant: { type: 'string', default: 'demo' },
      sub: { type: 'string' },
      store: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      url: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) {
    console.error(`--role must be one of: ${ROLES.join(', ')}`);
    return 2;
  }
  const config = loadPlatformConfig();
  const ttl = Number(values.ttl);
  // A revocation is kept for retentionSeconds: a token living longer would be accepted again after it is pruned.
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > config.retentionSeconds) {
    console.error(`--ttl must be a whole number of seconds from 1 to ${config.retentionSeconds} (RETENTION_SECONDS)`);
    return 2;
  }
  const authority = tokenAuthority(signingKeys(config));
  const url = values.url ?? `http://${config.host}:${config.port}`;
  const facts = await askPlatform(url, await authority.mint({ subject: 'cli-check', tenant: values.tenant, role: 'brand_admin' }, 60), { role, tenant: values.tenant, store: values.store, url });
  const verdict = judgeToken(facts);
  for (const warning of verdict.warnings) console.error(`warning: ${warning}`);
  if (verdict.refusal && !values.force) {
    console.error(`refused: ${verdict.refusal}`);
    return 2;
  }
  const token = await authority.mint({ subject: values.sub ?? `cli-${role}`, tenant: values.tenant, role, ...(values.store ? { store: values.store } : {}) }, ttl);
  process.stdout.write(`${token}\n`);
  return 0;
}

/** Asks the running platform whether the brand and the store exist; leaves out what it could not ask. */
async function askPlatform(url: string, checker: string, asked: Omit<TokenFacts, 'brandKnown' | 'storeStatus'>): Promise<TokenFacts> {
  const get = async (path: string) => {
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${checker}` }, signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json().catch(() => null)) as { status?: string } | null };
  };
  try {
    const brand = await get('/api/catalog/brand');
    const facts: TokenFacts = { ...asked, brandKnown: brand.status === 200 };
    if (!asked.store) return facts;
    const store = await get(`/api/stores/${encodeURIComponent(asked.store)}`);
    if (store.status === 404) return { ...facts, storeStatus: 'unknown' };
    if (store.status === 200) return { ...facts, storeStatus: store.body?.status === 'closed' ? 'closed' : 'active' };
    return facts;
  } catch {
    return asked;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof TypeError ? error.message : error);
    process.exit(2);
  },
);
