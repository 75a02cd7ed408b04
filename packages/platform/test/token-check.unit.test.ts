import { describe, expect, it } from 'vitest';
import { judgeToken } from '../src/token-check.js';

const url = 'http://127.0.0.1:8080';

describe('npm run token: whether the token asked for makes sense', () => {
  it('mints quietly for a known brand and an open store', () => {
    expect(judgeToken({ role: 'clerk', tenant: 'demo', store: 'ST_SH_001', url, brandKnown: true, storeStatus: 'active' })).toEqual({ warnings: [] });
  });

  it('refuses store staff of a store that does not exist, or is closed', () => {
    expect(judgeToken({ role: 'clerk', tenant: 'demo', store: 'NOPE', url, brandKnown: true, storeStatus: 'unknown' }).refusal).toContain('store "NOPE" does not exist in brand "demo"');
    expect(judgeToken({ role: 'store_manager', tenant: 'demo', store: 'ST_X', url, brandKnown: true, storeStatus: 'closed' }).refusal).toContain('is closed');
  });

  it('warns about a brand without a profile, a platform it could not ask, and a store claim that means nothing', () => {
    expect(judgeToken({ role: 'brand_admin', tenant: 'new', url, brandKnown: false }).warnings).toEqual([expect.stringContaining('brand "new" has no profile')]);
    expect(judgeToken({ role: 'customer', tenant: 'demo', url }).warnings).toEqual([expect.stringContaining('could not reach the platform')]);
    expect(judgeToken({ role: 'clerk', tenant: 'demo', url, brandKnown: true }).warnings).toEqual([expect.stringContaining('without --store')]);
    expect(judgeToken({ role: 'customer', tenant: 'demo', store: 'ST_SH_001', url, brandKnown: true, storeStatus: 'active' }).warnings).toEqual([
      expect.stringContaining('--store is only for clerks and store managers'),
    ]);
  });
});
