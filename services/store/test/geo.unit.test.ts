import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distanceKm, nearest, type Point } from '../domain/geo.js';

const PEOPLES_SQUARE: Point = { lat: 31.2304, lng: 121.4737 };
const TIANANMEN: Point = { lat: 39.9042, lng: 116.4074 };

describe('distanceKm', () => {
  it('Shanghai to Beijing is about 1,067 km as the crow flies', () => {
    expect(distanceKm(PEOPLES_SQUARE, TIANANMEN)).toBeCloseTo(1067.3, 0);
  });

  it('one degree of latitude is about 111.2 km', () => {
    expect(distanceKm({ lat: 30, lng: 120 }, { lat: 31, lng: 120 })).toBeCloseTo(111.19, 1);
  });

  it('one degree of longitude shrinks with the cosine of the latitude', () => {
    expect(distanceKm({ lat: 60, lng: 10 }, { lat: 60, lng: 11 })).toBeCloseTo(111.19 / 2, 0);
  });

  it('crosses the antimeridian the short way', () => {
    expect(distanceKm({ lat: 0, lng: 179.5 }, { lat: 0, lng: -179.5 })).toBeCloseTo(111.19, 1);
  });

  it('antipodes are half the circumference apart, not NaN', () => {
    expect(distanceKm({ lat: 90, lng: 0 }, { lat: -90, lng: 0 })).toBeCloseTo(Math.PI * 6371.0088, 6);
  });

  const point = fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lng: fc.double({ min: -180, max: 180, noNaN: true }) });

  it('is zero to itself, symmetric, never negative, and obeys the triangle inequality (property)', () => {
    fc.assert(
      fc.property(point, point, point, (a, b, c) => {
        expect(distanceKm(a, a)).toBeCloseTo(0, 9);
        expect(distanceKm(a, b)).toBeCloseTo(distanceKm(b, a), 9);
        expect(distanceKm(a, b)).toBeGreaterThanOrEqual(0);
        // 1 m of slack: haversine loses precision near antipodal points (asin close to 1).
        expect(distanceKm(a, c)).toBeLessThanOrEqual(distanceKm(a, b) + distanceKm(b, c) + 1e-3);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('nearest', () => {
  const stores = [
    { code: 'ST_BJ_001', ...TIANANMEN },
    { code: 'ST_SH_002', lat: 31.2397, lng: 121.4998 }, // the Bund side of Lujiazui, ~2.6 km away
    { code: 'ST_SH_001', lat: 31.2304, lng: 121.4745 }, // next door
    { code: 'WH_SH', lat: 31.0, lng: 121.2 }, // out of town
  ];

  it('orders places nearest first, each with its distance', () => {
    const found = nearest(stores, PEOPLES_SQUARE, 10);
    expect(found.map((s) => s.code)).toEqual(['ST_SH_001', 'ST_SH_002', 'WH_SH', 'ST_BJ_001']);
    expect(found[0]!.distanceKm).toBeLessThan(0.1);
    expect(found[3]!.distanceKm).toBeCloseTo(1067.3, 0);
  });

  it('keeps the fields of each place', () => {
    expect(nearest(stores, PEOPLES_SQUARE, 1)).toEqual([{ code: 'ST_SH_001', lat: 31.2304, lng: 121.4745, distanceKm: expect.any(Number) }]);
  });

  it('returns at most n, and nothing for n = 0 or no places', () => {
    expect(nearest(stores, PEOPLES_SQUARE, 2)).toHaveLength(2);
    expect(nearest(stores, PEOPLES_SQUARE, 0)).toEqual([]);
    expect(nearest([], PEOPLES_SQUARE, 5)).toEqual([]);
  });

  it('breaks ties by code, whatever order the places came in', () => {
    const twins = [
      { code: 'B', lat: 1, lng: 0 },
      { code: 'A', lat: -1, lng: 0 },
    ];
    expect(nearest(twins, { lat: 0, lng: 0 }, 2).map((s) => s.code)).toEqual(['A', 'B']);
    expect(nearest([...twins].reverse(), { lat: 0, lng: 0 }, 2).map((s) => s.code)).toEqual(['A', 'B']);
  });

  it('does not reorder the caller\'s list', () => {
    const before = stores.map((s) => s.code);
    nearest(stores, PEOPLES_SQUARE, 4);
    expect(stores.map((s) => s.code)).toEqual(before);
  });
});
