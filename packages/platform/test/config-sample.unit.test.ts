import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig, PlatformConfigSchema } from '../src/config.js';

const SAMPLE = resolve(__dirname, '../../../config/config.example.yml');

/** The shipped sample is what a user copies to config/config.yml: it must parse, document every key, and change nothing. */
describe('config/config.example.yml', () => {
  const lines = readFileSync(SAMPLE, 'utf8').split('\n');

  it('names every setting, each with a comment above it', () => {
    for (const key of Object.keys(PlatformConfigSchema.properties)) {
      const at = lines.findIndex((l) => new RegExp(`^(# )?${key}:`).test(l));
      expect(at, `${key} in the sample`).toBeGreaterThan(0);
      const above = lines.slice(0, at).reverse().find((l) => !/^[a-zA-Z]+:/.test(l));
      expect(above, `a comment above ${key}`).toMatch(/^# /);
    }
  });

  it('parses with the real loader as config/config.yml and sets every key to its default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnishop-config-'));
    try {
      copyFileSync(SAMPLE, join(dir, 'config.yml'));
      expect(loadPlatformConfig({}, dir)).toEqual(loadPlatformConfig({}, join(dir, 'none')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
