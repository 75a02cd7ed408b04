import { Type } from '@sinclair/typebox';
import { choice, Code, conflict, decodeCursor, PageOf, PageQuery, toPage } from '@omnishop/kit';
import { registerTerminal } from '../commands.js';
import { route, storeOf, type StoreTables } from '../db.js';
import { actsOnStore } from './access.js';
import { StoreCode } from './stores.js';

const TerminalView = Type.Object({
  code: Type.String(),
  storeCode: Type.String(),
  status: choice(['active', 'retired']),
  createdAt: Type.String(),
}, { title: 'Terminal', description: 'A POS terminal (till) of a store' });

const terminalView = (r: StoreTables['terminal']) => ({ code: r.code, storeCode: r.store_code, status: r.status, createdAt: r.created_at });

export const addTerminal = route({
  method: 'POST',
  url: '/:code/terminals',
  summary: 'Add a POS terminal to a store',
  roles: ['brand_admin', 'store_manager'],
  idempotent: true,
  params: StoreCode,
  body: Type.Object({ code: Code('terminal code, unique within its store') }, { additionalProperties: false }),
  response: { 201: TerminalView },
  errors: { 403: 'a store manager acts only on their own store', 404: 'no store with this code', 409: 'the store has a terminal with this code (type `terminal-exists`)' },
  handler: async ({ params, body, principal }, tx) => {
    actsOnStore(principal, params.code);
    await storeOf(tx.db, principal.tenant, params.code);
    const row = await registerTerminal(tx, principal.tenant, params.code, body.code);
    if (!row) throw conflict('terminal-exists', `store ${params.code} already has terminal ${body.code}`);
    return { status: 201, body: terminalView(row) };
  },
});

export const listTerminals = route({
  method: 'GET',
  url: '/:code/terminals',
  summary: "A store's POS terminals, by code",
  // A clerk's POS screen lists the tills of its own store.
  roles: ['clerk', 'store_manager', 'brand_admin'],
  params: StoreCode,
  query: Type.Object(PageQuery),
  response: { 200: PageOf(TerminalView) },
  errors: { 403: 'store staff act only on their own store', 404: 'no store with this code' },
  handler: async ({ params, query, principal }, tx) => {
    actsOnStore(principal, params.code);
    await storeOf(tx.db, principal.tenant, params.code);
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = tx.db
      .selectFrom('terminal')
      .selectAll()
      .where('tenant', '=', principal.tenant)
      .where('store_code', '=', params.code)
      .orderBy('code')
      .limit(query.limit + 1);
    if (after !== undefined) q = q.where('code', '>', after);
    const page = toPage(await q.execute(), query.limit, (r) => r.code);
    return { status: 200, body: { items: page.items.map(terminalView), nextCursor: page.nextCursor } };
  },
});
