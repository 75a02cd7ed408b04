import { describe, expect, it } from 'vitest';
import { ConfigError } from '@omnishop/kit';
import { DEMO_JWT_SECRET, loadPlatformConfig, signingKeys } from '../src/config.js';

const OWN = 'a-production-signing-key-0123456789abcdef';
const load = (env: Record<string, string>) => loadPlatformConfig(env, '/nonexistent');

describe('signing keys from configuration', () => {
  it('JWT_SECRET alone is one key under the default kid; JWT_KEYS lists keys, the signing one first', () => {
    expect(signingKeys(load({ JWT_SECRET: OWN }))).toEqual([{ kid: 'k0', secret: OWN }]);
    expect(signingKeys(load({ JWT_KEYS: `k2:${OWN},k1:${DEMO_JWT_SECRET}` })).map((k) => k.kid)).toEqual(['k2', 'k1']);
  });

  it('a production start refuses the demo key, whether alone or among JWT_KEYS', () => {
    expect(() => load({ APP_ENV: 'production', PAYMENT_PROVIDER_SECRET: OWN })).toThrow(/jwtSecret \(env JWT_SECRET\): the demo key/);
    expect(() => load({ APP_ENV: 'production', PAYMENT_PROVIDER_SECRET: OWN, JWT_KEYS: `k2:${OWN},k1:${DEMO_JWT_SECRET}` })).toThrow(/jwtKeys \(env JWT_KEYS\): the demo key/);
    expect(signingKeys(load({ APP_ENV: 'production', PAYMENT_PROVIDER_SECRET: OWN, JWT_KEYS: `k2:${OWN}` }))).toHaveLength(1);
  });

  it('a malformed JWT_KEYS stops start-up naming the setting, never echoing a secret', () => {
    const attempt = () => load({ JWT_KEYS: 'k1:too-short-a-secret' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('jwtKeys (env JWT_KEYS): key k1: secret must be at least 32 characters');
    expect(attempt).not.toThrow(/too-short/);
  });
});
