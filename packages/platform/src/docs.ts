import { writeFileSync } from 'node:fs';
import { loadPlatformConfig } from './config.js';
import { renderEventDocs } from './event-docs.js';
import { serviceDefinitions } from './platform.js';

/** `npm run docs`: regenerates docs/events.md from the services' definitions. */
const file = 'docs/events.md';
writeFileSync(file, renderEventDocs(serviceDefinitions(loadPlatformConfig({}, '/nonexistent'))));
console.log(`wrote ${file}`);
