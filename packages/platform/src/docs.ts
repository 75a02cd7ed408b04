import { writeFileSync } from 'node:fs';
import { platformDocument, renderOpenApi } from './api-docs.js';
import { loadPlatformConfig } from './config.js';
import { renderEventDocs } from './event-docs.js';
import { serviceDefinitions } from './platform.js';
import { renderRoleDocs } from './role-docs.js';

/** `npm run docs`: regenerates docs/events.md, docs/roles.md and docs/openapi.json from the services' definitions. */
const services = serviceDefinitions(loadPlatformConfig({}, '/nonexistent'));
for (const [file, text] of [
  ['docs/events.md', renderEventDocs(services)],
  ['docs/roles.md', renderRoleDocs(services)],
  ['docs/openapi.json', renderOpenApi(await platformDocument(services))],
] as const) {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
