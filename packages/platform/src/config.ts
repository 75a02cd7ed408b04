import { Type, type Static } from '@sinclair/typebox';
import { choice, ConfigError, DEFAULT_KID, loadConfig, PARTITIONS, parseSigningKeys, type SigningKey } from '@omnishop/kit';

/** The key every fresh checkout signs demo tokens with; a production start refuses it. */
export const DEMO_JWT_SECRET = 'omnishop-demo-signing-key-do-not-use-in-production';

/** The secret the simulated wallet provider signs its callbacks with in a fresh checkout; a production start refuses it. */
export const DEMO_PAYMENT_PROVIDER_SECRET = 'omnishop-demo-wallet-provider-secret-not-for-production';

export const PlatformConfigSchema = Type.Object({
  appEnv: choice(['development', 'test', 'production'], { default: 'development' }),
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  dataDir: Type.String({ minLength: 1, default: './data' }),
  databaseUrl: Type.String({ pattern: '^(postgres(ql)?://.+)?$', default: '', description: 'empty: SQLite files in dataDir; postgres://... for PostgreSQL' }),
  databasePoolMax: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 10,
    description: 'PostgreSQL: connections each service in this process may hold; processes x services x this must stay under the server max_connections',
  }),
  busUrl: Type.String({ pattern: '^(nats://.+)?$', default: '', description: 'empty: the embedded bus in dataDir; nats://... for NATS JetStream' }),
  busStream: Type.String({ pattern: '^[A-Za-z0-9_-]+$', default: 'OMNISHOP', description: 'JetStream stream (and subject prefix) of this platform' }),
  busPartitions: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: PARTITIONS,
    description:
      'JetStream: partitions the events are spread over by key; each consumer group handles one event of a partition at a time, so this bounds how many a group has in hand. Every process of a platform must use the same number, and a stream must be drained before it changes',
  }),
  services: Type.String({
    pattern: '^[a-z]+(,[a-z]+)*$',
    default: 'catalog,store,inventory,order,promotion,customer,payment,fulfilment,webhook,gateway',
    description: 'which services this process runs: all of them (embedded) or one (distributed)',
  }),
  threadServices: Type.String({
    pattern: '^(none|[a-z]+(,[a-z]+)*)$',
    default: 'inventory,payment',
    description:
      'which of the services this process runs go on a second thread, with its own event loop (a second CPU core), reached through this process\'s port; each service is still the only writer of its database. none: one thread. Used only when the process runs services besides these',
  }),
  jwtSecret: Type.String({ minLength: 32, default: DEMO_JWT_SECRET }),
  jwtKeys: Type.String({ default: '', description: 'signing keys as kid:secret,kid2:secret2 (the first signs, all verify); empty: JWT_SECRET alone' }),
  accessTokenTtlSeconds: Type.Integer({ minimum: 30, maximum: 86_400, default: 300, description: 'lifetime of an access token issued at sign-in' }),
  refreshTokenTtlSeconds: Type.Integer({ minimum: 60, default: 2_592_000, description: 'lifetime of a refresh token' }),
  upstreams: Type.String({
    pattern: '^([a-z]+=https?://[^,]+(,[a-z]+=https?://[^,]+)*)?$',
    default: '',
    description: 'where a gateway process forwards services it does not run, as order=http://host:port,...; a service named twice has two replicas, taken in turn',
  }),
  logLevel: choice(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  logFormat: choice(['auto', 'json', 'pretty'], {
    default: 'auto',
    description: 'json: one JSON line per record on stdout; pretty: readable lines, behaviour records in dataDir/behaviour.log; auto: pretty at a terminal outside production, else json',
  }),
  seed: Type.Boolean({ default: true, description: 'seed the demo brand when the catalogue is empty' }),
  requestTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  queueLimitMs: Type.Integer({
    minimum: 0,
    default: 500,
    description: 'embedded (SQLite): a write request still waiting for its commit after this long is refused with 503 and Retry-After, so a burst past capacity is told so early; 0: never',
  }),
  admissionLoopDelayMs: Type.Integer({
    minimum: 0,
    default: 0,
    description:
      'off (0) by default: how late the event loop may run (90th percentile over a quarter second, including its 5 ms sampling) before a process lets fewer requests in at once; the rest are refused at once with 503 and Retry-After (health checks and the wallet callback never are). Measured here the loop runs 15-25 ms late under ordinary load, so a value below that refuses work the process could take',
  }),
  bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  rateLimitWindowMs: Type.Integer({ minimum: 100, default: 10_000, description: 'the window the request limits count in' }),
  rateLimitClientMax: Type.Integer({ minimum: 0, default: 5000, description: 'requests per window of one client (token subject, else IP); 0: no limit' }),
  rateLimitBrandMax: Type.Integer({ minimum: 0, default: 100_000, description: 'requests per window of all clients of one brand; 0: no limit' }),
  reservationTtlSeconds: Type.Integer({ minimum: 1, default: 900 }),
  expiryCheckMs: Type.Integer({ minimum: 10, default: 5000 }),
  claimTimeoutSeconds: Type.Integer({ minimum: 1, default: 900, description: 'how long an order offered to stores may go unclaimed before it is offered more widely' }),
  offerCheckMs: Type.Integer({ minimum: 10, default: 5000, description: 'how often unclaimed fulfilment offers are looked for' }),
  webhookCheckMs: Type.Integer({ minimum: 10, default: 500, description: 'how often webhook deliveries due (new events, retries whose wait is over) are looked for' }),
  webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000, description: 'how long a webhook endpoint may take to answer before the attempt counts as failed' }),
  webhookAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'attempts of a webhook delivery before it is parked (replayable)' }),
  webhookRetryBaseMs: Type.Integer({ minimum: 1, default: 10_000, description: 'the wait after a webhook delivery first fails; each further failure doubles it' }),
  webhookRetryMaxMs: Type.Integer({ minimum: 1, default: 3_600_000, description: 'the longest wait between two attempts of a webhook delivery' }),
  retentionSeconds: Type.Integer({
    minimum: 86_400,
    default: 604_800,
    description:
      'how long processed-event, Idempotency-Key and revocation records and the embedded bus log are kept (7 days); must outlast any token (at most a day) and the longest a process may be down',
  }),
  pruneEveryMs: Type.Integer({ minimum: 10, default: 60_000, description: 'how often records older than retentionSeconds are pruned, a batch per table per run' }),
  sqliteSynchronous: choice(['FULL', 'NORMAL'], { default: 'FULL' }),
  paymentProviderSecret: Type.String({ minLength: 32, default: DEMO_PAYMENT_PROVIDER_SECRET, description: 'HMAC key of wallet provider callbacks' }),
  paymentLatencyMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 200, description: 'how long the simulated wallet provider takes to call back' }),
  paymentTimeoutSeconds: Type.Integer({ minimum: 1, default: 600, description: 'how long an order may await payment before it is cancelled (sooner if its stock hold, reservationTtlSeconds, runs out first)' }),
  paymentCheckMs: Type.Integer({ minimum: 10, default: 5000, description: 'how often orders awaiting payment past their time are looked for' }),
  paymentRenotifyMs: Type.Integer({ minimum: 10, default: 5000, description: 'how often the wallet provider is asked again for notifications pending longer than its latency plus this' }),
  paymentFailureRate: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'share of wallet payments the simulated provider fails' }),
});

export type PlatformConfig = Static<typeof PlatformConfigSchema>;

/** The keys tokens are signed and verified with: JWT_KEYS, or JWT_SECRET alone under the default kid. */
export function signingKeys(config: Pick<PlatformConfig, 'jwtKeys' | 'jwtSecret'>): SigningKey[] {
  if (!config.jwtKeys) return [{ kid: DEFAULT_KID, secret: config.jwtSecret }];
  try {
    return parseSigningKeys(config.jwtKeys);
  } catch (error) {
    throw new ConfigError([`jwtKeys (env JWT_KEYS): ${(error as Error).message}`]);
  }
}

export function loadPlatformConfig(env: Record<string, string | undefined> = process.env, dir = 'config'): PlatformConfig {
  const config = loadConfig(PlatformConfigSchema, { dir, env });
  const keys = signingKeys(config);
  if (config.appEnv === 'production' && keys.some((k) => k.secret === DEMO_JWT_SECRET)) {
    const setting = config.jwtKeys ? 'jwtKeys (env JWT_KEYS)' : 'jwtSecret (env JWT_SECRET)';
    throw new ConfigError([`${setting}: the demo key may not be used in production; set a secret of your own`]);
  }
  if (config.appEnv === 'production' && config.paymentProviderSecret === DEMO_PAYMENT_PROVIDER_SECRET) {
    throw new ConfigError(['paymentProviderSecret (env PAYMENT_PROVIDER_SECRET): the demo secret may not be used in production; set the one you share with the provider']);
  }
  return config;
}
