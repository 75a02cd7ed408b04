import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenAuthority } from '@omnishop/kit';
import { DEMO_JWT_SECRET } from '../src/config.js';
import { eventually, newKey, openStore, request } from './harness.js';
import { exited, launch } from './processes.js';

const auth = tokenAuthority(DEMO_JWT_SECRET);

describe('crash recovery: SIGKILL right after orders were accepted', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-crash-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every accepted order reaches a final state after restart, and no event takes effect twice', async () => {
    const admin = await auth.mint({ subject: 'admin', tenant: 'acme', role: 'brand_admin' });
    const first = await launch({ DATA_DIR: dataDir });
    children.push(first.child);
    const api = (url: string, method: string, path: string, opts: Parameters<typeof request>[3] = {}) => request<any>(url, method, path, opts); // eslint-disable-line @typescript-eslint/no-explicit-any

    const style = 'CRASH1';
    const sku = `${style}-BLK-M`;
    expect(
      (
        await api(first.url, 'POST', '/api/catalog/styles', {
          token: admin,
          idempotencyKey: newKey(),
          body: { code: style, name: 'Crash Tee', category: 'tops', price: 5000, colours: [{ code: 'BLK', name: 'Black' }], sizes: ['M'] },
        })
      ).status,
    ).toBe(201);
    await eventually(async () => ((await api(first.url, 'GET', `/api/inventory/stock?sku=${sku}`, { token: admin })).status === 200 ? true : undefined), 'SKU in inventory');
    await openStore(first.url, admin, 'acme', 'WH_SH');
    await eventually(
      async () => ((await api(first.url, 'POST', '/api/inventory/movements', { token: admin, idempotencyKey: newKey(), body: { sku, location: 'WH_SH', kind: 'receive', qty: 100 } })).status === 201 ? true : undefined),
      'stock received at WH_SH',
    );
    const probeToken = await auth.mint({ subject: 'probe', tenant: 'acme', role: 'customer' });
    await eventually(
      async () =>
        (await api(first.url, 'POST', '/api/orders', { token: probeToken, idempotencyKey: 'probe', body: { lines: [{ sku, qty: 1 }] } })).status === 201
          ? true
          : undefined,
      'order service to know the SKU',
    );

    // 200 buyers order at once; the process is killed when 60 have their answer, mid-stream.
    const buyers = await Promise.all(Array.from({ length: 200 }, (_, i) => auth.mint({ subject: `buyer-${i}`, tenant: 'acme', role: 'customer' })));
    const keys = buyers.map(() => newKey());
    const order = (url: string, i: number) => api(url, 'POST', '/api/orders', { token: buyers[i]!, idempotencyKey: keys[i]!, body: { lines: [{ sku, qty: 1 }] } });
    const firstExit = exited(first.child);
    let answered = 0;
    const firstTry = await Promise.allSettled(
      buyers.map((_, i) =>
        order(first.url, i).finally(() => {
          if (++answered === 60) first.child.kill('SIGKILL');
        }),
      ),
    );
    await firstExit;
    const acceptedBeforeCrash = firstTry.flatMap((r) => (r.status === 'fulfilled' && r.value.status === 201 ? [r.value.body.id as string] : []));
    expect(acceptedBeforeCrash.length).toBeGreaterThanOrEqual(59);

    const second = await launch({ DATA_DIR: dataDir });
    children.push(second.child);
    // Clients that got no answer retry with the same key, as they should: an order accepted before the crash is returned, not duplicated.
    const ids = await Promise.all(
      buyers.map(async (_, i) => {
        const earlier = firstTry[i]!;
        if (earlier.status === 'fulfilled' && earlier.value.status === 201) return earlier.value.body.id as string;
        const retry = await order(second.url, i);
        expect(retry.status).toBe(201);
        return retry.body.id as string;
      }),
    );
    expect(new Set(ids).size).toBe(200);
    for (const id of acceptedBeforeCrash) expect(ids).toContain(id);
    const accepted = ids.map((id, i) => ({ id, token: buyers[i]! }));

    const finals = await Promise.all(
      accepted.map(({ id, token }) =>
        eventually(async () => {
          const res = await api(second.url, 'GET', `/api/orders/${id}`, { token });
          expect(res.status).toBe(200);
          return ['confirmed', 'rejected'].includes(res.body.status) ? res.body : undefined;
        }, `order ${id} final`, 60_000),
      ),
    );
    const confirmed = finals.filter((o) => o.status === 'confirmed').length;
    // 100 units, 1 went to the probe order: 99 buyers get one.
    expect(confirmed).toBe(99);
    expect(finals.filter((o) => o.status === 'rejected')).toHaveLength(101);

    const ledger = await api(second.url, 'GET', `/api/inventory/ledger?sku=${sku}&limit=200`, { token: admin });
    const reserves = ledger.body.items.filter((m: { kind: string }) => m.kind === 'reserve');
    expect(reserves).toHaveLength(100);
    expect(new Set(reserves.map((m: { reference: string }) => m.reference)).size).toBe(100);
    const stock = await api(second.url, 'GET', `/api/inventory/stock?sku=${sku}`, { token: admin });
    expect(stock.body.total).toEqual({ onHand: 100, reserved: 100, available: 0 });
    for (const o of finals) expect(o.history.filter((h: { status: string }) => h.status === o.status)).toHaveLength(1);

    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
  });
});
