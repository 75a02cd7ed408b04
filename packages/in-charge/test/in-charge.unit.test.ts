import { describe, expect, it } from 'vitest';
import { mayActOnOrder } from '../src/rule.js';

describe('which store may act on an order', () => {
  const clerkOf = (store: string) => ({ role: 'clerk', store });
  const managerOf = (store: string) => ({ role: 'store_manager', store });

  it('lets staff of the store in charge act: the claiming store online, the ringing store at the till', () => {
    expect(mayActOnOrder(clerkOf('ST_BJ_001'), { id: 'o1', inCharge: 'ST_BJ_001' })).toEqual({ ok: true, value: true });
    expect(mayActOnOrder(managerOf('WH_SH'), { id: 'o1', inCharge: 'WH_SH' }).ok).toBe(true);
  });

  it('refuses staff of another store, saying whose order it is', () => {
    expect(mayActOnOrder(managerOf('ST_SH_001'), { id: 'o1', inCharge: 'ST_BJ_001' })).toEqual({
      ok: false,
      error: 'order o1 is in the hands of ST_BJ_001: only its staff may act on it, not staff of ST_SH_001',
    });
    expect(mayActOnOrder({ role: 'clerk' }, { id: 'o1', inCharge: 'ST_BJ_001' }).ok).toBe(false);
  });

  it('refuses every store while an online order is only offered, not claimed', () => {
    const refused = mayActOnOrder(clerkOf('ST_SH_001'), { id: 'o1', inCharge: undefined });
    expect(refused).toEqual({ ok: false, error: expect.stringContaining('not in any store') });
  });

  it('does not bind roles without a store', () => {
    for (const role of ['customer', 'brand_admin', 'operator']) {
      expect(mayActOnOrder({ role }, { id: 'o1', inCharge: undefined }).ok, role).toBe(true);
      expect(mayActOnOrder({ role }, { id: 'o1', inCharge: 'ST_BJ_001' }).ok, role).toBe(true);
    }
  });
});
