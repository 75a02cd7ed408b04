import { describe, expect, it } from 'vitest';
import { skuCode, skusOf, type StyleDraft } from '../domain/style.js';

const tee = (overrides: Partial<StyleDraft> = {}): StyleDraft => ({
  code: 'TS1001',
  name: 'Everyday tee',
  category: 'tops',
  season: 'SS25',
  price: 9_900,
  currency: 'CNY',
  colours: [
    { code: 'BLK', name: 'Black' },
    { code: 'WHT', name: 'White' },
  ],
  sizes: ['S', 'M', 'L'],
  ...overrides,
});

describe('skuCode', () => {
  it('joins style, colour and size with dashes', () => {
    expect(skuCode('TS1001', 'BLK', 'M')).toBe('TS1001-BLK-M');
  });
});

describe('skusOf', () => {
  it('sells every colour in every size', () => {
    const result = skusOf(tee());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.map((s) => s.sku)).toEqual([
      'TS1001-BLK-S',
      'TS1001-BLK-M',
      'TS1001-BLK-L',
      'TS1001-WHT-S',
      'TS1001-WHT-M',
      'TS1001-WHT-L',
    ]);
  });

  it('each SKU carries its style, colour (code and name), size and the style price', () => {
    const result = skusOf(tee());
    expect(result.ok && result.value[4]).toEqual({
      sku: 'TS1001-WHT-M',
      style: 'TS1001',
      colour: 'WHT',
      colourName: 'White',
      size: 'M',
      price: 9_900,
      currency: 'CNY',
    });
  });

  it('a single colour in a single size is one SKU', () => {
    const result = skusOf(tee({ colours: [{ code: 'NVY', name: 'Navy' }], sizes: ['ONE'] }));
    expect(result.ok && result.value.map((s) => s.sku)).toEqual(['TS1001-NVY-ONE']);
  });

  it('colours are told apart by code: two colours may share a display name', () => {
    const result = skusOf(
      tee({
        colours: [
          { code: 'BLK', name: 'Black' },
          { code: 'BLK2', name: 'Black' },
        ],
        sizes: ['M'],
      }),
    );
    expect(result.ok && result.value.map((s) => s.sku)).toEqual(['TS1001-BLK-M', 'TS1001-BLK2-M']);
  });

  it('rejects a repeated colour code, naming the field of the repeat', () => {
    const result = skusOf(
      tee({
        colours: [
          { code: 'BLK', name: 'Black' },
          { code: 'WHT', name: 'White' },
          { code: 'BLK', name: 'Jet black' },
        ],
      }),
    );
    expect(result).toEqual({ ok: false, error: { field: 'body.colours.2.code', message: 'repeats another colour' } });
  });

  it('rejects a repeated size, naming the field of the repeat', () => {
    const result = skusOf(tee({ sizes: ['S', 'M', 'S', 'L'] }));
    expect(result).toEqual({ ok: false, error: { field: 'body.sizes.2', message: 'repeats another size' } });
  });

  it('reports a repeated colour before a repeated size', () => {
    const result = skusOf(
      tee({
        colours: [
          { code: 'BLK', name: 'Black' },
          { code: 'BLK', name: 'Black' },
        ],
        sizes: ['M', 'M'],
      }),
    );
    expect(result).toMatchObject({ ok: false, error: { field: 'body.colours.1.code' } });
  });
});
