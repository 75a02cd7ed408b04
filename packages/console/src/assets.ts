import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the console is served; a browser asking for `/` is sent there. */
export const CONSOLE_PATH = '/console/';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const distDir = (name: string) => dirname(require.resolve(name));

/**
 * The console's files, with no build step: its own ES modules (public/), and
 * the browser builds of its libraries straight from node_modules under
 * /console/vendor/ (the page's import map names them), so `npm ci && npm start`
 * serves it as it is. The router ignores trailing slashes, so `/console` is the
 * page too: it names its files by absolute paths.
 */
const ROOTS: { prefix: string; root: string }[] = [
  { prefix: CONSOLE_PATH, root: join(dirname(fileURLToPath(import.meta.url)), '..', 'public') },
  { prefix: `${CONSOLE_PATH}vendor/preact/`, root: packageDir('preact') },
  { prefix: `${CONSOLE_PATH}vendor/htm/`, root: distDir('htm') },
  { prefix: `${CONSOLE_PATH}vendor/uplot/`, root: distDir('uplot') },
];

export async function registerConsoleAssets(app: FastifyInstance): Promise<void> {
  for (const [i, { prefix, root }] of ROOTS.entries()) {
    await app.register(fastifyStatic, { root, prefix, decorateReply: i === 0, index: false, maxAge: 0, schemaHide: true });
  }
  app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect(CONSOLE_PATH));
  app.get(CONSOLE_PATH, { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html'));
}
