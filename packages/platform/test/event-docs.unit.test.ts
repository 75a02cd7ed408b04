import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../src/config.js';
import { renderEventDocs } from '../src/event-docs.js';
import { serviceDefinitions } from '../src/platform.js';

describe('docs/events.md', () => {
  it('matches the events the services declare and handle (run `npm run docs` after changing an event)', () => {
    const services = serviceDefinitions(loadPlatformConfig({}, '/nonexistent'));
    const onDisk = readFileSync(resolve(__dirname, '../../../docs/events.md'), 'utf8');
    expect(onDisk).toBe(renderEventDocs(services));
  });

  it('every consumed event has an emitter', () => {
    const services = serviceDefinitions(loadPlatformConfig({}, '/nonexistent'));
    const emitted = new Set(services.flatMap((s) => (s.emits ?? []).map((e) => e.type)));
    for (const s of services) for (const h of s.handlers ?? []) expect(emitted, `${s.name} consumes ${h.event.type}`).toContain(h.event.type);
  });
});
