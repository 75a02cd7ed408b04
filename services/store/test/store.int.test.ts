import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemBody } from '@omnishop/kit';
import { newKey, publishedEvents, settled, startTestPlatform, type ApiResponse, type TestPlatform } from '../../../packages/platform/test/harness.js';

const DAILY = { open: '10:00', close: '22:00' };
const WEEK = { mon: DAILY, tue: DAILY, wed: DAILY, thu: DAILY, fri: DAILY, sat: { open: '09:00', close: '23:00' }, sun: { open: '09:00', close: '23:00' } };

/** A store of acme in Shanghai unless told otherwise. */
const store = (code: string, over: Record<string, unknown> = {}) => ({
  code,
  name: `Store ${code}`,
  type: 'store',
  city: 'Shanghai',
  lat: 31.2304,
  lng: 121.4737,
  hours: WEEK,
  ...over,
});

function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  if (field) expect(res.body.errors?.map((e) => e.field)).toContain(field);
}

describe('the store service', () => {
  let t: TestPlatform;
  let admin: string;
  let customer: string;

  const create = (body: unknown, token = admin, key = newKey()) => t.api('POST', '/api/stores', { token, idempotencyKey: key, body });

  /** The store events on the bus, oldest first. */
  const storeEvents = () => publishedEvents(t, { types: ['StoreOpened', 'StoreChanged'] });

  beforeAll(async () => {
    t = await startTestPlatform();
    admin = await t.token('brand_admin');
    customer = await t.token('customer', { subject: 'alice' });
    // Around People's Square: ST_SH_001 next door, ST_SH_002 in Lujiazui (~2.6 km), WH_SH out of town; one in Beijing.
    for (const body of [
      store('ST_SH_001', { lat: 31.2304, lng: 121.4745 }),
      store('ST_SH_002', { lat: 31.2397, lng: 121.4998 }),
      store('WH_SH', { type: 'warehouse', name: 'Shanghai DC', lat: 31.0, lng: 121.2 }),
      store('ST_BJ_001', { city: 'Beijing', lat: 39.9042, lng: 116.4074 }),
    ]) {
      const res = await create(body);
      if (res.status !== 201) throw new Error(`store not created: ${JSON.stringify(res.body)}`);
    }
  });
  afterAll(() => t?.stop());

  describe('stores', () => {
    it('creates a store, says where it is, and announces it with StoreOpened', async () => {
      const res = await create(store('ST_HZ_001', { city: 'Hangzhou', lat: 30.2741, lng: 120.1551 }));
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/api/stores/ST_HZ_001');
      expect(res.body).toMatchObject({ code: 'ST_HZ_001', type: 'store', city: 'Hangzhou', lat: 30.2741, lng: 120.1551, status: 'active', hours: WEEK });
      await settled(t);
      const opened = (await storeEvents()).find((e) => e.type === 'StoreOpened' && e.key === 'ST_HZ_001');
      expect(opened).toMatchObject({ tenant: 'acme', source: 'store', version: 1 });
      expect(opened?.data).toEqual({ code: 'ST_HZ_001', name: 'Store ST_HZ_001', type: 'store', city: 'Hangzhou', lat: 30.2741, lng: 120.1551 });
    });

    it('a repeated create with the same Idempotency-Key returns the first answer and opens nothing twice', async () => {
      const key = newKey();
      const shenzhen = store('ST_SZ_001', { city: 'Shenzhen', lat: 22.5431, lng: 114.0579 });
      const first = await create(shenzhen, admin, key);
      const again = await create(shenzhen, admin, key);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      await settled(t);
      expect((await storeEvents()).filter((e) => e.key === 'ST_SZ_001')).toHaveLength(1);
    });

    it('refuses a second store with a code already taken: 409', async () => {
      expectProblem(await create(store('ST_SH_001', { name: 'Impostor' })), 409);
      expect((await t.api('GET', '/api/stores/ST_SH_001', { token: admin })).body.name).toBe('Store ST_SH_001');
    });

    it('gets one store, to anyone of the brand', async () => {
      for (const role of ['customer', 'clerk', 'store_manager', 'brand_admin'] as const) {
        const res = await t.api('GET', '/api/stores/WH_SH', { token: await t.token(role, { store: 'ST_SH_001' }) });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ code: 'WH_SH', type: 'warehouse', name: 'Shanghai DC' });
      }
      expectProblem(await t.api('GET', '/api/stores/NOPE', { token: customer }), 404);
    });

    it('lists stores by code, a page at a time, filtered by city and type', async () => {
      const codes: string[] = [];
      let cursor: string | null = null;
      do {
        const page: ApiResponse<{ items: { code: string }[]; nextCursor: string | null }> = await t.api(
          'GET',
          `/api/stores?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          { token: customer },
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        codes.push(...page.body.items.map((s) => s.code));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(codes).toEqual([...codes].sort());
      expect(codes).toEqual(expect.arrayContaining(['ST_BJ_001', 'ST_SH_001', 'ST_SH_002', 'WH_SH']));
      expect(new Set(codes).size).toBe(codes.length);

      const beijing = await t.api('GET', '/api/stores?city=Beijing', { token: customer });
      expect(beijing.body.items.map((s: { code: string }) => s.code)).toEqual(['ST_BJ_001']);
      const warehouses = await t.api('GET', '/api/stores?type=warehouse', { token: customer });
      expect(warehouses.body.items.map((s: { code: string }) => s.code)).toEqual(['WH_SH']);
      const shanghaiStores = await t.api('GET', '/api/stores?city=Shanghai&type=store', { token: customer });
      expect(shanghaiStores.body.items.map((s: { code: string }) => s.code)).toEqual(['ST_SH_001', 'ST_SH_002']);
    });

    it('renames a store, replaces its hours, closes it, and says so with StoreChanged each time', async () => {
      await create(store('ST_CD_001', { city: 'Chengdu', lat: 30.5728, lng: 104.0668 }));
      const patch = (body: unknown) => t.api('PATCH', '/api/stores/ST_CD_001', { token: admin, body });

      const renamed = await patch({ name: 'Chengdu Taikoo Li' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ name: 'Chengdu Taikoo Li', hours: WEEK, status: 'active' });

      // Days come back in weekday order whatever order they were sent in; sunday left out is closed.
      const rehoured = await patch({ hours: { sat: { open: '10:00', close: '24:00' }, mon: DAILY } });
      expect(rehoured.body.hours).toEqual({ mon: DAILY, sat: { open: '10:00', close: '24:00' } });
      expect(Object.keys(rehoured.body.hours)).toEqual(['mon', 'sat']);
      expect(rehoured.body.name).toBe('Chengdu Taikoo Li');

      const closed = await patch({ status: 'closed' });
      expect(closed.body.status).toBe('closed');
      expect((await t.api('GET', '/api/stores/ST_CD_001', { token: customer })).body).toMatchObject({ name: 'Chengdu Taikoo Li', status: 'closed' });

      await settled(t);
      const changes = (await storeEvents()).filter((e) => e.type === 'StoreChanged' && e.key === 'ST_CD_001');
      expect(changes.map((e) => e.data)).toEqual([
        { code: 'ST_CD_001', name: 'Chengdu Taikoo Li', status: 'active', hours: WEEK },
        { code: 'ST_CD_001', name: 'Chengdu Taikoo Li', status: 'active', hours: { mon: DAILY, sat: { open: '10:00', close: '24:00' } } },
        { code: 'ST_CD_001', name: 'Chengdu Taikoo Li', status: 'closed', hours: { mon: DAILY, sat: { open: '10:00', close: '24:00' } } },
      ]);
    });

    it('only a brand admin opens or changes stores: a customer, clerk or store manager gets 403', async () => {
      for (const role of ['customer', 'clerk', 'store_manager'] as const) {
        const token = await t.token(role, { store: 'ST_SH_001' });
        expectProblem(await create(store(`ST_X_${role}`), token), 403);
        expectProblem(await t.api('PATCH', '/api/stores/ST_SH_001', { token, body: { name: 'Mine now' } }), 403);
      }
      expectProblem(await t.api('GET', '/api/stores/ST_X_customer', { token: admin }), 404);
    });
  });

  describe('nearest', () => {
    it('lists active stores and warehouses nearest first, with their distance in km', async () => {
      const res = await t.api('GET', '/api/stores/nearest?lat=31.2304&lng=121.4737&limit=3', { token: customer });
      expect(res.status).toBe(200);
      expect(res.body.items.map((s: { code: string }) => s.code)).toEqual(['ST_SH_001', 'ST_SH_002', 'WH_SH']);
      const [first, second, third] = res.body.items as { distanceKm: number; hours: unknown; city: string }[];
      expect(first!.distanceKm).toBeLessThan(0.1);
      expect(second!.distanceKm).toBeGreaterThan(2);
      expect(second!.distanceKm).toBeLessThan(3);
      expect(third!.distanceKm).toBeGreaterThan(second!.distanceKm);
      expect(first).toMatchObject({ city: 'Shanghai', hours: WEEK });
    });

    it('from Beijing, the Beijing store comes first', async () => {
      const res = await t.api('GET', '/api/stores/nearest?lat=39.9&lng=116.4&limit=1', { token: customer });
      expect(res.body.items).toEqual([expect.objectContaining({ code: 'ST_BJ_001' })]);
    });

    it('filters by type, and leaves closed stores out', async () => {
      const warehouses = await t.api('GET', '/api/stores/nearest?lat=31.23&lng=121.47&type=warehouse', { token: customer });
      expect(warehouses.body.items.map((s: { code: string }) => s.code)).toEqual(['WH_SH']);
      await create(store('ST_SH_CLOSED', { lat: 31.2304, lng: 121.4737 }));
      expect((await t.api('PATCH', '/api/stores/ST_SH_CLOSED', { token: admin, body: { status: 'closed' } })).status).toBe(200);
      const near = await t.api('GET', '/api/stores/nearest?lat=31.2304&lng=121.4737', { token: customer });
      expect(near.body.items.map((s: { code: string }) => s.code)).not.toContain('ST_SH_CLOSED');
    });
  });

  describe('terminals and staff', () => {
    it('a brand admin and the store manager add terminals; clerks of the store list them', async () => {
      const manager = await t.token('store_manager', { store: 'ST_SH_001', subject: 'mgr-1' });
      expect((await t.api('POST', '/api/stores/ST_SH_001/terminals', { token: admin, idempotencyKey: newKey(), body: { code: 'T1' } })).status).toBe(201);
      const added = await t.api('POST', '/api/stores/ST_SH_001/terminals', { token: manager, idempotencyKey: newKey(), body: { code: 'T2' } });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ code: 'T2', storeCode: 'ST_SH_001', status: 'active' });
      // Terminal codes are per store: another store may have its own T1.
      expect((await t.api('POST', '/api/stores/ST_SH_002/terminals', { token: admin, idempotencyKey: newKey(), body: { code: 'T1' } })).status).toBe(201);
      expectProblem(await t.api('POST', '/api/stores/ST_SH_001/terminals', { token: manager, idempotencyKey: newKey(), body: { code: 'T1' } }), 409);

      const clerk = await t.token('clerk', { store: 'ST_SH_001' });
      const listed = await t.api('GET', '/api/stores/ST_SH_001/terminals', { token: clerk });
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ items: [expect.objectContaining({ code: 'T1' }), expect.objectContaining({ code: 'T2' })], nextCursor: null });
    });

    it('the store manager hires clerks and lists the staff in the order they were added', async () => {
      const manager = await t.token('store_manager', { store: 'ST_SH_002' });
      const boss = await t.api('POST', '/api/stores/ST_SH_002/staff', { token: admin, idempotencyKey: newKey(), body: { name: 'Wang Fang', role: 'store_manager' } });
      expect(boss.status).toBe(201);
      expect(boss.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), storeCode: 'ST_SH_002', name: 'Wang Fang', role: 'store_manager', status: 'active' });
      for (const name of ['Li Wei', 'Zhang Min']) {
        expect((await t.api('POST', '/api/stores/ST_SH_002/staff', { token: manager, idempotencyKey: newKey(), body: { name, role: 'clerk' } })).status).toBe(201);
      }
      const first = await t.api('GET', '/api/stores/ST_SH_002/staff?limit=2', { token: manager });
      expect(first.body.items.map((s: { name: string }) => s.name)).toEqual(['Wang Fang', 'Li Wei']);
      const rest = await t.api('GET', `/api/stores/ST_SH_002/staff?limit=2&cursor=${first.body.nextCursor}`, { token: manager });
      expect(rest.body).toEqual({ items: [expect.objectContaining({ name: 'Zhang Min', role: 'clerk' })], nextCursor: null });
    });

    it('a store manager cannot appoint another store manager; that is the brand admin\'s call', async () => {
      const manager = await t.token('store_manager', { store: 'ST_SH_002' });
      expectProblem(await t.api('POST', '/api/stores/ST_SH_002/staff', { token: manager, idempotencyKey: newKey(), body: { name: 'Chen Jie', role: 'store_manager' } }), 403);
    });

    it('a store manager of another store cannot add staff or terminals there, nor see its staff: 403', async () => {
      const elsewhere = await t.token('store_manager', { store: 'ST_BJ_001' });
      expectProblem(await t.api('POST', '/api/stores/ST_SH_001/staff', { token: elsewhere, idempotencyKey: newKey(), body: { name: 'Zhao Lei', role: 'clerk' } }), 403);
      expectProblem(await t.api('POST', '/api/stores/ST_SH_001/terminals', { token: elsewhere, idempotencyKey: newKey(), body: { code: 'T9' } }), 403);
      expectProblem(await t.api('GET', '/api/stores/ST_SH_001/staff', { token: elsewhere }), 403);
      // The same answer for a store that does not exist: staff learn nothing about other codes.
      expectProblem(await t.api('GET', '/api/stores/NOPE/staff', { token: elsewhere }), 403);
    });

    it('customers and clerks cannot add staff; customers cannot see terminals or staff', async () => {
      const clerk = await t.token('clerk', { store: 'ST_SH_001' });
      expectProblem(await t.api('POST', '/api/stores/ST_SH_001/staff', { token: clerk, idempotencyKey: newKey(), body: { name: 'Sun Yu', role: 'clerk' } }), 403);
      expectProblem(await t.api('GET', '/api/stores/ST_SH_001/staff', { token: clerk }), 403);
      expectProblem(await t.api('GET', '/api/stores/ST_SH_001/terminals', { token: customer }), 403);
    });

    it('a terminal or staff member for a store that does not exist: 404', async () => {
      expectProblem(await t.api('POST', '/api/stores/NOPE/terminals', { token: admin, idempotencyKey: newKey(), body: { code: 'T1' } }), 404);
      expectProblem(await t.api('POST', '/api/stores/NOPE/staff', { token: admin, idempotencyKey: newKey(), body: { name: 'Nobody', role: 'clerk' } }), 404);
    });
  });

  describe('brand isolation', () => {
    it("another brand neither sees nor changes acme's stores: 404, and its own store of the same code is its own", async () => {
      const globex = await t.token('brand_admin', { tenant: 'globex' });
      const globexManager = await t.token('store_manager', { tenant: 'globex', store: 'ST_SH_001' });
      expectProblem(await t.api('GET', '/api/stores/ST_SH_001', { token: globex }), 404);
      expectProblem(await t.api('PATCH', '/api/stores/ST_SH_001', { token: globex, body: { status: 'closed' } }), 404);
      expectProblem(await t.api('GET', '/api/stores/ST_SH_001/terminals', { token: globexManager }), 404);
      expectProblem(await t.api('POST', '/api/stores/ST_SH_001/staff', { token: globexManager, idempotencyKey: newKey(), body: { name: 'Spy', role: 'clerk' } }), 404);
      expect((await t.api('GET', '/api/stores', { token: globex })).body).toEqual({ items: [], nextCursor: null });
      expect((await t.api('GET', '/api/stores/nearest?lat=31.23&lng=121.47', { token: globex })).body).toEqual({ items: [] });

      expect((await create(store('ST_SH_001', { name: 'Globex People Square' }), globex)).status).toBe(201);
      expect((await t.api('GET', '/api/stores/ST_SH_001', { token: globex })).body.name).toBe('Globex People Square');
      const acme = await t.api('GET', '/api/stores/ST_SH_001', { token: admin });
      expect(acme.body).toMatchObject({ name: 'Store ST_SH_001', status: 'active' });
    });
  });

  describe('bad input: a 4xx problem naming the field, and nothing written', () => {
    it.each([
      ['a latitude past the pole', { lat: 91 }, 400, 'body.lat'],
      ['a longitude past the antimeridian', { lng: -180.5 }, 400, 'body.lng'],
      ['a latitude as a string', { lat: '31.2' }, 400, 'body.lat'],
      ['a time that is not HH:MM', { hours: { mon: { open: '9:00', close: '22:00' } } }, 400, 'body.hours.mon.open'],
      ['a day that closes before it opens', { hours: { tue: { open: '22:00', close: '10:00' } } }, 422, 'body.hours.tue.close'],
      ['a weekday that is not one', { hours: { monday: DAILY } }, 400, 'body.hours.monday'],
      ['an unknown type', { type: 'popup' }, 400, 'body.type'],
      ['a code with a space', { code: 'ST SH' }, 400, 'body.code'],
      ['the reserved code "nearest"', { code: 'nearest' }, 422, 'body.code'],
      ['an unknown field', { manager: 'me' }, 400, 'body.manager'],
    ])('%s', async (_, over, status, field) => {
      expectProblem(await create(store('ST_BAD_001', over)), status, field);
      expectProblem(await t.api('GET', '/api/stores/ST_BAD_001', { token: admin }), 404);
    });

    it('a missing field is named', async () => {
      const { city: _, ...noCity } = store('ST_BAD_002');
      expectProblem(await create(noCity), 400, 'body.city');
    });

    it('a create without an Idempotency-Key', async () => {
      expectProblem(await t.api('POST', '/api/stores', { token: admin, body: store('ST_BAD_003') }), 400, 'header.idempotency-key');
    });

    it('a patch with nothing in it, or with bad hours, changes nothing', async () => {
      const before = (await t.api('GET', '/api/stores/ST_SH_002', { token: admin })).body;
      expectProblem(await t.api('PATCH', '/api/stores/ST_SH_002', { token: admin, body: {} }), 400, 'body');
      expectProblem(await t.api('PATCH', '/api/stores/ST_SH_002', { token: admin, body: { name: 'New', hours: { sun: { open: '23:00', close: '09:00' } } } }), 422, 'body.hours.sun.close');
      expectProblem(await t.api('PATCH', '/api/stores/ST_SH_002', { token: admin, body: { status: 'demolished' } }), 400, 'body.status');
      expect((await t.api('GET', '/api/stores/ST_SH_002', { token: admin })).body).toEqual(before);
    });

    it.each([
      ['no latitude', 'lng=121.47', 'query.lat'],
      ['a latitude that is not a number', 'lat=north&lng=121.47', 'query.lat'],
      ['a longitude out of range', 'lat=31.2&lng=200', 'query.lng'],
      ['a limit too large', 'lat=31.2&lng=121.47&limit=51', 'query.limit'],
    ])('nearest with %s', async (_, qs, field) => {
      expectProblem(await t.api('GET', `/api/stores/nearest?${qs}`, { token: customer }), 400, field);
    });

    it('a list with a cursor it never returned, or a bad type filter', async () => {
      expectProblem(await t.api('GET', '/api/stores?cursor=bogus', { token: customer }), 400, 'query.cursor');
      expectProblem(await t.api('GET', '/api/stores?type=shop', { token: customer }), 400, 'query.type');
    });

    it('a staff member with an unknown role, or a terminal with a bad code', async () => {
      expectProblem(await t.api('POST', '/api/stores/ST_SH_001/staff', { token: admin, idempotencyKey: newKey(), body: { name: 'Ma Li', role: 'ceo' } }), 400, 'body.role');
      expectProblem(await t.api('POST', '/api/stores/ST_SH_001/terminals', { token: admin, idempotencyKey: newKey(), body: { code: '' } }), 400, 'body.code');
    });
  });
});
