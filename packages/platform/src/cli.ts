import { parseArgs } from 'node:util';
import { ConfigError, ROLES, tokenAuthority, type Role } from '@omnishop/kit';
import { loadPlatformConfig, signingKeys } from './config.js';

const HELP = `omnishop CLI

Usage:
  npm run -s cli -- token --role ROLE [--tenant BRAND] [--sub SUBJECT] [--store STORE] [--ttl SECONDS]
  npm run -s token -- --role ROLE ...   (shortcut for the above)
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
  const token = await tokenAuthority(signingKeys(config)).mint(
    { subject: values.sub ?? `cli-${role}`, tenant: values.tenant, role, ...(values.store ? { store: values.store } : {}) },
    ttl,
  );
  process.stdout.write(`${token}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof TypeError ? error.message : error);
    process.exit(2);
  },
);
