import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { ConfigError, envName, loadConfig } from '../src/config/index.js';

const Schema = Type.Object({
  appEnv: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], { default: 'development' }),
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  seed: Type.Boolean({ default: true }),
  logLevel: Type.Union([Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
  reservationTtlSeconds: Type.Integer({ minimum: 1, default: 900 }),
});

const DEFAULTS = { appEnv: 'development', host: '127.0.0.1', port: 8080, seed: true, logLevel: 'info', reservationTtlSeconds: 900 };

const dirs: string[] = [];
/** A temp folder holding the given config files. */
function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'omnishop-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The ConfigError `f` throws (fails the test if it throws nothing or something else). */
function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('envName', () => {
  it.each([
    ['port', 'PORT'],
    ['fooBar', 'FOO_BAR'],
    ['reservationTtlSeconds', 'RESERVATION_TTL_SECONDS'],
    ['s3Bucket', 'S3_BUCKET'],
  ])('%s is read from %s', (key, env) => {
    expect(envName(key)).toBe(env);
  });
});

describe('loadConfig', () => {
  it('uses the schema defaults when nothing is configured', () => {
    expect(loadConfig(Schema, { env: {} })).toEqual(DEFAULTS);
  });

  it('uses the defaults when the config folder does not exist', () => {
    expect(loadConfig(Schema, { dir: join(tmpdir(), 'omnishop-no-such-folder'), env: {} })).toEqual(DEFAULTS);
  });

  it('reads key fooBar from env FOO_BAR and converts it to the schema type', () => {
    const config = loadConfig(Schema, { env: { PORT: '9090', SEED: 'false', RESERVATION_TTL_SECONDS: '60', LOG_LEVEL: 'debug' } });
    expect(config).toEqual({ ...DEFAULTS, port: 9090, seed: false, reservationTtlSeconds: 60, logLevel: 'debug' });
  });

  it('ignores environment variables that are set but empty', () => {
    expect(loadConfig(Schema, { env: { PORT: '', HOST: '' } })).toEqual(DEFAULTS);
  });

  it('ignores environment variables that are not config keys', () => {
    expect(loadConfig(Schema, { env: { HOME: '/root', PATH: '/bin' } })).toEqual(DEFAULTS);
  });

  describe('file layering', () => {
    it('config.yml overrides the defaults', () => {
      const dir = configDir({ 'config.yml': 'port: 3000\nhost: 0.0.0.0\n' });
      expect(loadConfig(Schema, { dir, env: {} })).toEqual({ ...DEFAULTS, port: 3000, host: '0.0.0.0' });
    });

    it('config.<APP_ENV>.yml overrides config.yml, key by key', () => {
      const dir = configDir({
        'config.yml': 'port: 3000\nlogLevel: debug\n',
        'config.production.yml': 'port: 80\n',
        'config.test.yml': 'port: 1\n',
      });
      expect(loadConfig(Schema, { dir, env: { APP_ENV: 'production' } })).toEqual({
        ...DEFAULTS,
        appEnv: 'production',
        port: 80,
        logLevel: 'debug',
      });
    });

    it('without APP_ENV, the appEnv named in config.yml chooses the second file', () => {
      const dir = configDir({ 'config.yml': 'appEnv: test\nport: 3000\n', 'config.test.yml': 'port: 4000\n' });
      expect(loadConfig(Schema, { dir, env: {} })).toEqual({ ...DEFAULTS, appEnv: 'test', port: 4000 });
    });

    it('APP_ENV wins over the appEnv named in config.yml', () => {
      const dir = configDir({
        'config.yml': 'appEnv: test\n',
        'config.test.yml': 'port: 4000\n',
        'config.production.yml': 'port: 80\n',
      });
      expect(loadConfig(Schema, { dir, env: { APP_ENV: 'production' } })).toMatchObject({ appEnv: 'production', port: 80 });
    });

    it('a missing environment file is simply skipped', () => {
      const dir = configDir({ 'config.yml': 'port: 3000\n' });
      expect(loadConfig(Schema, { dir, env: { APP_ENV: 'test' } })).toEqual({ ...DEFAULTS, appEnv: 'test', port: 3000 });
    });

    it('environment variables override both files', () => {
      const dir = configDir({ 'config.yml': 'port: 3000\n', 'config.test.yml': 'port: 4000\n' });
      expect(loadConfig(Schema, { dir, env: { APP_ENV: 'test', PORT: '5000' } })).toMatchObject({ port: 5000 });
    });

    it('an empty config file counts as no settings', () => {
      const dir = configDir({ 'config.yml': '# nothing here\n' });
      expect(loadConfig(Schema, { dir, env: {} })).toEqual(DEFAULTS);
    });
  });

  describe('refusing bad configuration', () => {
    it('a value of the wrong type from the environment names the key and its env var', () => {
      const error = configError(() => loadConfig(Schema, { env: { PORT: 'eighty' } }));
      expect(error.message).toContain('port');
      expect(error.message).toContain('PORT');
      expect(error.message).toContain('"eighty"');
      expect(error.problems).toHaveLength(1);
    });

    it('an out-of-range value names the key and its env var', () => {
      const error = configError(() => loadConfig(Schema, { env: { RESERVATION_TTL_SECONDS: '0' } }));
      expect(error.problems).toEqual([expect.stringMatching(/^reservationTtlSeconds \(env RESERVATION_TTL_SECONDS\): .*got 0$/)]);
    });

    it('a bad value from a file names the key and the env var that would override it', () => {
      const dir = configDir({ 'config.yml': 'logLevel: verbose\n' });
      const error = configError(() => loadConfig(Schema, { dir, env: {} }));
      expect(error.problems).toEqual([expect.stringMatching(/^logLevel \(env LOG_LEVEL\): .*got "verbose"$/)]);
    });

    it('reports every bad key at once', () => {
      const error = configError(() => loadConfig(Schema, { env: { PORT: '70000', SEED: 'maybe' } }));
      expect(error.problems).toHaveLength(2);
      expect(error.message).toContain('port (env PORT)');
      expect(error.message).toContain('seed (env SEED)');
    });

    it('an unknown key in config.yml is refused, naming the file and the key', () => {
      const dir = configDir({ 'config.yml': 'prot: 3000\n' });
      const error = configError(() => loadConfig(Schema, { dir, env: {} }));
      expect(error.problems).toEqual([`${join(dir, 'config.yml')}: prot: unknown key`]);
    });

    it('a number is taken exactly or refused, never truncated', () => {
      for (const port of ['80.5', '1e3x', '0x1F']) {
        const error = configError(() => loadConfig(Schema, { env: { PORT: port } }));
        expect(error.message).toContain('port (env PORT)');
      }
    });

    it('a setting with fixed choices names them', () => {
      const error = configError(() => loadConfig(Schema, { env: { LOG_LEVEL: 'loud' } }));
      expect(error.problems).toEqual(['logLevel (env LOG_LEVEL): must be one of info, debug, got "loud"']);
    });

    it('without APP_ENV, the overlay of the default environment applies', () => {
      const dir = configDir({ 'config.yml': 'port: 3000\n', 'config.development.yml': 'port: 3001\n' });
      expect(loadConfig(Schema, { dir, env: {} }).port).toBe(3001);
    });

    it('a YAML syntax error is a configuration error naming the file', () => {
      const dir = configDir({ 'config.yml': 'port: [3000\n' });
      const error = configError(() => loadConfig(Schema, { dir, env: {} }));
      expect(error.message).toContain(join(dir, 'config.yml'));
    });

    it('an unknown key in the environment file is refused too', () => {
      const dir = configDir({ 'config.yml': 'port: 3000\n', 'config.test.yml': 'databseUrl: postgres://x\n' });
      const error = configError(() => loadConfig(Schema, { dir, env: { APP_ENV: 'test' } }));
      expect(error.message).toContain('databseUrl');
    });

    it('a config file that is not a mapping is refused, naming the file', () => {
      const dir = configDir({ 'config.yml': '- port\n- 3000\n' });
      const error = configError(() => loadConfig(Schema, { dir, env: {} }));
      expect(error.message).toContain(join(dir, 'config.yml'));
    });
  });
});
