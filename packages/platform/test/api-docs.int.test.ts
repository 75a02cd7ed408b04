import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

/** The API reference a person opens in a browser, and the document a client generator reads, over real HTTP. */
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(() => t?.stop());

const onDisk = () => JSON.parse(readFileSync(resolve(__dirname, '../../../docs/openapi.json'), 'utf8')) as unknown;
const EXTERNAL = /(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i;

describe('the API document and its reference page', () => {
  it('serves one document of every service at /api/openapi.json: the one in docs/', async () => {
    const res = await t.api('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual(onDisk());
  });

  it('says where the documents and the page are at GET /api', async () => {
    const index = await t.api('GET', '/api');
    expect(index.body).toMatchObject({ openapi: '/api/openapi.json', docs: '/docs' });
    expect(index.body.services).toHaveLength(10);
  });

  it('serves Swagger UI at /docs, its assets from the package: nothing is fetched from elsewhere', async () => {
    const page = await fetch(`${t.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="swagger-ui">');
    expect(html).toContain('<title>Omnishop API</title>');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/static/swagger-ui.css']));
    for (const asset of assets) {
      expect(asset, 'served from here').not.toMatch(EXTERNAL);
      const res = await fetch(`${t.url}${asset}`);
      expect(res.status, asset).toBe(200);
      await res.arrayBuffer();
    }
    const initializer = await (await fetch(`${t.url}/docs/static/swagger-initializer.js`)).text();
    // The document is the page's own /docs/json, and no online validator is asked for a badge.
    expect(initializer).toContain("url: resolveUrl('./json')");
    expect(initializer).toMatch(/validatorUrl: null/);
  });

  it('gives the page the same document at /docs/json', async () => {
    const res = await fetch(`${t.url}/docs/json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(onDisk());
  });

  it("serves each service's own document too, its operations those of the one document", async () => {
    const whole = onDisk() as { paths: Record<string, Record<string, unknown>> };
    const orders = (await t.api('GET', '/api/orders/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(orders.paths).every((p) => p.startsWith('/api/orders'))).toBe(true);
    for (const [path, ops] of Object.entries(orders.paths)) expect(ops).toEqual(whole.paths[path]);
    expect(Object.keys(orders.components.schemas)).toEqual(expect.arrayContaining(['Order', 'Problem']));
  });
});
