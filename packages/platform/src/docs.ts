import { writeFileSync } from 'node:fs';
import { loadPlatformConfig } from './config.js';
import { renderEventDocs } from './event-docs.js';
import { serviceDefinitions } from './platform.js';
import { renderRoleDocs } from './role-docs.js';

/** `npm run docs`: regenerates docs/events.md and docs/roles.md from the services' definitions. */
const services = serviceDefinitions(loadPlatformConfig({}, '/nonexistent'));
for (const [file, text] of [
  ['docs/events.md', renderEventDocs(services)],
  ['docs/roles.md', renderRoleDocs(services)],
] as const) {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
