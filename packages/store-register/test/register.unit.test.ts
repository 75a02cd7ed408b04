import { describe, expect, it } from 'vitest';
import { openLocation } from '../src/index.js';

describe('the store register, as other services keep it', () => {
  it('lets an open store or warehouse be named', () => {
    expect(openLocation({ active: 1 })).toEqual({ ok: true, value: true });
    expect(openLocation({ active: true })).toEqual({ ok: true, value: true });
  });

  it('refuses a location it does not know, and a closed one', () => {
    expect(openLocation(undefined)).toEqual({ ok: false, error: 'unknown' });
    expect(openLocation({ active: 0 })).toEqual({ ok: false, error: 'closed' });
  });
});
