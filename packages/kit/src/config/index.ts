import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';

/**
 * Typed configuration, layered like the original system's:
 * `config.yml` ← `config.<APP_ENV>.yml` ← environment variables.
 * Each key `fooBar` is read from the environment as `FOO_BAR`.
 * A bad or missing value stops start-up with an error naming the key.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export function envName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export interface ConfigSources {
  /** Folder holding config.yml and config.<env>.yml; skipped when absent. */
  dir?: string;
  env?: Record<string, string | undefined>;
}

function readYaml(path: string, keys: string[]): Record<string, unknown> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${path}: not valid YAML: ${(error as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError([`${path}: must be a mapping of keys to values`]);
  const unknownKeys = Object.keys(parsed).filter((k) => !keys.includes(k));
  if (unknownKeys.length) throw new ConfigError(unknownKeys.map((k) => `${path}: ${k}: unknown key`));
  return parsed as Record<string, unknown>;
}

/**
 * Strings from the environment become the schema's type, strictly: "80.5" is
 * not an integer and "1e3" is not 1. Anything that does not convert cleanly
 * is left as it is, for the schema check to name.
 */
/** The values of a choice (or a union of literals), to name them in an error. */
function allowedValues(schema: TSchema | undefined): string[] | undefined {
  if (Array.isArray(schema?.enum)) return schema.enum.map(String);
  const options = schema?.anyOf as TSchema[] | undefined;
  if (!options?.every((o) => o.const !== undefined)) return undefined;
  return options.map((o) => String(o.const));
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function fromText(schema: TSchema, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (schema.type === 'integer' || schema.type === 'number') {
    return DECIMAL.test(text) ? Number(text) : value;
  }
  if (schema.type === 'boolean') return { true: true, '1': true, false: false, '0': false }[text] ?? value;
  return value;
}

export function loadConfig<S extends TObject>(schema: S, sources: ConfigSources = {}): Static<S> {
  const env = sources.env ?? process.env;
  const keys = Object.keys(schema.properties);
  const layered: Record<string, unknown> = {};
  if (sources.dir) {
    Object.assign(layered, readYaml(join(sources.dir, 'config.yml'), keys));
    const appEnv = env.APP_ENV || (layered.appEnv as string | undefined) || (schema.properties.appEnv?.default as string | undefined);
    if (appEnv) Object.assign(layered, readYaml(join(sources.dir, `config.${appEnv}.yml`), keys));
  }
  for (const key of keys) {
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') layered[key] = fromEnv;
    layered[key] = fromText(schema.properties[key] as TSchema, layered[key]);
  }
  const value = Value.Default(schema, layered);
  const problems = [...Value.Errors(schema, value)].map((e) => {
    const key = e.path.replace(/^\//, '').split('/')[0] ?? '';
    const got = (value as Record<string, unknown>)[key];
    const property = schema.properties[key] as TSchema | undefined;
    const choices = allowedValues(property);
    // A pattern means little to a reader; the setting's own description says what is expected.
    const described = property?.pattern && typeof property.description === 'string' ? `must be ${property.description}` : undefined;
    const message = choices ? `must be one of ${choices.join(', ')}` : (described ?? e.message);
    return `${key} (env ${envName(key)}): ${message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
  });
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  return value as Static<S>;
}
