import { join } from 'node:path';
import { chooseLogFormat, ConfigError, onShutdownSignals, readinessGate } from '@omnishop/kit';
import { loadPlatformConfig } from './config.js';
import { BANNER_SERVICES, demoBanner } from './banner.js';
import { prepareDemo, reaches } from './demo.js';
import { platformLogger, type LogSpec } from './logging.js';
import { startPlatform } from './platform.js';

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
  const production = config.appEnv === 'production' || process.env.NODE_ENV === 'production';
  const logFormat = chooseLogFormat(config.logFormat, { tty: Boolean(process.stdout.isTTY), production });
  const behaviourFile = join(config.dataDir, 'behaviour.log');
  const log: LogSpec = { level: config.logLevel, format: logFormat, behaviourFile };
  const { logger } = platformLogger(log);
  const say = (line: string) => console.error(line);
  say(
    `omnishop: starting ${config.services} (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}, ${config.busUrl ? `NATS JetStream stream ${config.busStream}` : 'embedded bus'})`,
  );
  if (logFormat === 'pretty') say(`omnishop: readable logs here, one behaviour record per request, event and job in ${behaviourFile} (LOG_FORMAT=json: JSON lines on stdout)`);
  // Production gets neither demo data nor demo tokens signed with its real key.
  const demo = config.appEnv !== 'production';
  // Ready means ready to use: a script that waits for /health/ready finds the demo brand, its users and their coupons.
  const seeded = readinessGate('the demo brand is still being prepared');
  const platform = await startPlatform(config, logger, { readiness: demo && config.seed ? { demo: seeded.check } : {}, threadLog: log }).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      console.error(`omnishop: cannot listen on ${config.host}:${config.port} (${code}); set HOST and PORT to a free address`);
      process.exit(2);
    }
    refuseBadSetting(error);
  });
  onShutdownSignals(() => platform.stop(), logger);
  if (!demo) {
    say(`\nOmnishop is running at ${platform.url} (production: no demo seed, no demo tokens)`);
    return;
  }
  const prepared = await prepareDemo(platform, config, say);
  seeded.open();
  if (reaches(platform, ...BANNER_SERVICES)) say(await demoBanner(platform, config, prepared));
  else say(`\nOmnishop ${platform.services.map((s) => s.name).join(', ')} is running at ${platform.url} (the demo banner comes from the process that reaches ${BANNER_SERVICES.join(', ')}: the gateway)`);
}

main().catch((error: unknown) => {
  console.error('omnishop: failed to start:', error);
  process.exit(1);
});
