import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Campaign, CouponStatus, Template } from '../src/terms.js';
import { allocate, linePrices, percentOf, priceCart, type CartLine, type OfferedCoupon, type PricedCart } from '../src/pricing.js';

const NOW = new Date('2025-11-11T04:00:00.000Z');

const SINGLES_DAY: Campaign = { code: 'D1111', startsAt: '2025-11-10T16:00:00.000Z', endsAt: '2025-11-11T16:00:00.000Z', budget: 10_000_000, spent: 0 };

const template = (code: string, terms: Partial<Template>): Template => ({
  code,
  campaign: SINGLES_DAY.code,
  kind: 'fixed',
  amount: null,
  percent: null,
  threshold: null,
  perCustomerLimit: 1,
  ...terms,
});

const TEN_OFF = template('TEN', { kind: 'percent', percent: 10 });
const TWENTY_OFF = template('TWENTY', { kind: 'percent', percent: 20 });
const FIX20 = template('FIX20', { kind: 'fixed', amount: 2000 });
const FIX5 = template('FIX5', { kind: 'fixed', amount: 500 });
const SPEND300 = template('SPEND300', { kind: 'threshold', amount: 5000, threshold: 30000 });

/** A coupon held by alice, issued, in the Singles' Day campaign unless told otherwise. */
const coupon = (
  code: string,
  t: Template,
  opts: { customerId?: string; status?: CouponStatus; campaign?: Campaign } = {},
): OfferedCoupon => ({
  code,
  held: { customerId: opts.customerId ?? 'alice', status: opts.status ?? 'issued', template: t, campaign: opts.campaign ?? SINGLES_DAY },
});

const tee: CartLine = { sku: 'TS1001-BLK-M', qty: 1, unitPrice: 19_990 };
const socks: CartLine = { sku: 'SK2001-WHT-S', qty: 3, unitPrice: 5_990 };

const price = (lines: CartLine[], coupons: OfferedCoupon[], opts: { customerId?: string; now?: Date } = {}) =>
  priceCart({ lines, coupons, customerId: 'customerId' in opts ? opts.customerId : 'alice', now: opts.now ?? NOW });

const line = (unitPrice: number, qty = 1, sku = `SKU${unitPrice}`): CartLine => ({ sku, qty, unitPrice });

describe('priceCart without coupons', () => {
  it('prices each line at unit price × qty and totals them', () => {
    const cart = price([tee, socks], []);
    expect(cart).toEqual({
      lines: [
        { ...tee, subtotal: 19_990, discount: 0, total: 19_990, discounts: [] },
        { ...socks, subtotal: 17_970, discount: 0, total: 17_970, discounts: [] },
      ],
      coupons: [],
      subtotal: 37_960,
      discount: 0,
      total: 37_960,
    });
  });
});

describe('priceCart: what each kind of coupon is worth', () => {
  it('a percent coupon takes its percent of the cart, shared over the lines in proportion, and says why', () => {
    const cart = price([tee, socks], [coupon('AAAA', TEN_OFF)]);
    expect(cart.coupons).toEqual([{ code: 'AAAA', applied: true, discount: 3_796, reason: 'COUPON AAAA: 10% off' }]);
    expect(cart.lines.map((l) => [l.discount, l.total])).toEqual([
      [1_999, 17_991],
      [1_797, 16_173],
    ]);
    expect(cart.lines[0]!.discounts).toEqual([{ coupon: 'AAAA', amount: 1_999 }]);
    expect(cart).toMatchObject({ subtotal: 37_960, discount: 3_796, total: 34_164 });
  });

  it('a percent is rounded down to the whole minor unit: never more than the coupon says', () => {
    expect(price([line(999)], [coupon('AAAA', TEN_OFF)]).discount).toBe(99); // 99.9
    expect(price([line(1)], [coupon('AAAA', TEN_OFF)]).coupons[0]).toMatchObject({ applied: false, rejection: 'nothing_to_discount' }); // 0.1
    expect(percentOf(1_995, 15)).toBe(299); // 299.25
    expect(percentOf(5_000_000_000_000, 100)).toBe(5_000_000_000_000);
  });

  it('a fixed coupon takes its amount off, and never more than there is', () => {
    expect(price([tee], [coupon('AAAA', FIX20)])).toMatchObject({ discount: 2_000, total: 17_990, coupons: [{ reason: 'COUPON AAAA: 20.00 off' }] });
    const small = price([line(1_500)], [coupon('AAAA', FIX20)]);
    expect(small).toMatchObject({ discount: 1_500, total: 0, coupons: [{ applied: true, discount: 1_500 }] });
  });

  it('a threshold coupon needs the spend: below it, it says by how much; at it, it applies', () => {
    const below = price([line(29_999)], [coupon('AAAA', SPEND300)]);
    expect(below.coupons).toEqual([
      {
        code: 'AAAA',
        applied: false,
        discount: 0,
        rejection: 'below_threshold',
        reason: 'COUPON AAAA: not applied, spend 299.99 is below the threshold 300.00',
      },
    ]);
    expect(below.total).toBe(29_999);
    const at = price([line(10_000, 3)], [coupon('AAAA', SPEND300)]);
    expect(at).toMatchObject({ total: 25_000, coupons: [{ applied: true, reason: 'COUPON AAAA: 50.00 off a spend of 300.00 or more' }] });
  });

  it('the spend a threshold needs is the undiscounted subtotal, whatever other coupons take off', () => {
    const cart = price([line(30_000)], [coupon('AAAA', TEN_OFF), coupon('BBBB', SPEND300)]);
    expect(cart.coupons.map((c) => c.discount)).toEqual([3_000, 5_000]);
    expect(cart.total).toBe(22_000);
  });
});

describe('priceCart: stacking', () => {
  it('percent coupons go first, then amounts, whatever order the codes were scanned in', () => {
    const a = price([line(10_000)], [coupon('ZZZZ', FIX20), coupon('AAAA', TEN_OFF)]);
    const b = price([line(10_000)], [coupon('AAAA', TEN_OFF), coupon('ZZZZ', FIX20)]);
    // 10% of 10000, then 20.00: 7000. (Amount first would make the percent worth 800.)
    expect(a.total).toBe(7_000);
    expect(b.total).toBe(7_000);
    expect(a.coupons.map((c) => [c.code, c.discount])).toEqual([
      ['ZZZZ', 2_000],
      ['AAAA', 1_000],
    ]);
  });

  it('outcomes come back in the order the coupons were offered', () => {
    const cart = price([line(10_000)], [coupon('CCCC', FIX5), { code: 'NOPE' }, coupon('AAAA', TEN_OFF)]);
    expect(cart.coupons.map((c) => c.code)).toEqual(['CCCC', 'NOPE', 'AAAA']);
  });

  it('two percent coupons compound: the second takes its percent of what the first left', () => {
    const cart = price([line(10_000)], [coupon('BBBB', TWENTY_OFF), coupon('AAAA', TEN_OFF)]);
    expect(cart.coupons.map((c) => c.discount)).toEqual([1_800, 1_000]); // AAAA first (by code): 1000 of 10000, then 20% of 9000
    expect(cart.total).toBe(7_200);
  });

  it('only one coupon of a template per order', () => {
    const cart = price([line(10_000)], [coupon('AAAA', FIX5), coupon('BBBB', FIX5)]);
    expect(cart.coupons[1]).toMatchObject({ applied: false, rejection: 'same_template', reason: 'COUPON BBBB: not applied, only one coupon of FIX5 per order' });
    expect(cart.total).toBe(9_500);
  });

  it('a coupon that would discount nothing is not applied', () => {
    const free = template('FREE', { kind: 'percent', percent: 100 });
    const cart = price([line(10_000)], [coupon('AAAA', free), coupon('BBBB', FIX5)]);
    expect(cart.coupons.map((c) => c.rejection)).toEqual([undefined, 'nothing_to_discount']);
    expect(cart.total).toBe(0);
  });
});

describe('priceCart: why a coupon does not apply', () => {
  const one = (offer: OfferedCoupon, opts: { customerId?: string; now?: Date } = {}) => price([line(50_000)], [offer], opts).coupons[0]!;

  it.each<[string, OfferedCoupon, { customerId?: string; now?: Date }, string, string]>([
    ['a code the brand never issued', { code: 'NOPE' }, {}, 'unknown', 'not a coupon of this brand'],
    ["someone else's coupon", coupon('AAAA', FIX20, { customerId: 'bob' }), {}, 'not_customers_coupon', "not this customer's coupon"],
    ['an anonymous cart', coupon('AAAA', FIX20), { customerId: undefined }, 'not_customers_coupon', "not this customer's coupon"],
    ['a redeemed coupon', coupon('AAAA', FIX20, { status: 'redeemed' }), {}, 'already_redeemed', 'already redeemed'],
    ['a void coupon', coupon('AAAA', FIX20, { status: 'void' }), {}, 'void', 'the coupon was voided'],
    [
      'before the campaign starts',
      coupon('AAAA', FIX20),
      { now: new Date('2025-11-10T15:59:59.999Z') },
      'not_started',
      'outside the campaign window: D1111 starts 2025-11-10T16:00:00.000Z',
    ],
    ['when the campaign has ended', coupon('AAAA', FIX20), { now: new Date(SINGLES_DAY.endsAt) }, 'expired', 'expired: campaign D1111 ended 2025-11-11T16:00:00.000Z'],
  ])('%s', (_what, offer, opts, rejection, why) => {
    expect(one(offer, opts)).toEqual({ code: offer.code, applied: false, discount: 0, rejection, reason: `COUPON ${offer.code}: not applied, ${why}` });
  });

  it('the window includes its first instant and excludes its last', () => {
    expect(one(coupon('AAAA', FIX20), { now: new Date(SINGLES_DAY.startsAt) }).applied).toBe(true);
    expect(one(coupon('AAAA', FIX20), { now: new Date(Date.parse(SINGLES_DAY.endsAt) - 1) }).applied).toBe(true);
  });

  it("ownership is checked first: someone else's redeemed coupon says only that it is not theirs", () => {
    expect(one(coupon('AAAA', FIX20, { customerId: 'bob', status: 'redeemed' })).rejection).toBe('not_customers_coupon');
  });

  it('a coupon applies only when its whole discount fits in what is left of the budget', () => {
    const tight = { ...SINGLES_DAY, budget: 10_000, spent: 8_500 };
    expect(one(coupon('AAAA', FIX20, { campaign: tight }))).toEqual({
      code: 'AAAA',
      applied: false,
      discount: 0,
      rejection: 'budget_exhausted',
      reason: 'COUPON AAAA: not applied, the budget of campaign D1111 is exhausted',
    });
    expect(one(coupon('AAAA', FIX20, { campaign: { ...tight, spent: 8_000 } })).applied).toBe(true);
  });

  it('coupons of one campaign earlier in the cart count against its budget', () => {
    const tight = { ...SINGLES_DAY, budget: 3_000 };
    const cart = price([line(50_000)], [coupon('AAAA', FIX20, { campaign: tight }), coupon('BBBB', FIX5, { campaign: tight }), coupon('CCCC', TEN_OFF, { campaign: tight })]);
    // TEN first (5000 > 3000: refused), then FIX20 (2000), then FIX5 (500).
    expect(cart.coupons.map((c) => c.rejection ?? c.discount)).toEqual([2_000, 500, 'budget_exhausted']);
  });
});

describe('allocate', () => {
  it('shares in proportion, the leftover units to the largest remainders', () => {
    expect(allocate(100, [100, 100, 100])).toEqual([34, 33, 33]);
    expect(allocate(10, [50, 30, 20])).toEqual([5, 3, 2]);
    expect(allocate(7, [1, 2, 4])).toEqual([1, 2, 4]);
    expect(allocate(5, [3, 3, 4])).toEqual([2, 1, 2]); // 1.5, 1.5, 2: the tie goes to the earlier line
  });

  it('gives nothing to an empty line, and nothing when there is nothing to share', () => {
    expect(allocate(10, [0, 10, 0])).toEqual([0, 10, 0]);
    expect(allocate(0, [0, 0])).toEqual([0, 0]);
  });

  it('is exact beyond 2^53 products', () => {
    const weights = Array.from({ length: 50 }, (_, i) => (99_999_999 - i) * 999);
    const total = weights.reduce((s, w) => s + w, 0);
    const shares = allocate(total - 1, weights);
    expect(shares.reduce((s, x) => s + x, 0)).toBe(total - 1);
    shares.forEach((s, i) => expect(s).toBeLessThanOrEqual(weights[i]!));
  });

  it('refuses to share more than there is, or less than nothing', () => {
    expect(() => allocate(11, [5, 5])).toThrow();
    expect(() => allocate(-1, [5, 5])).toThrow();
  });
});

describe('linePrices', () => {
  const CATALOGUE: Record<string, { price: number; currency: string }> = { A: { price: 100, currency: 'CNY' }, B: { price: 250, currency: 'CNY' }, U: { price: 5, currency: 'USD' } };
  const priceOf = (sku: string) => CATALOGUE[sku];

  it('puts the current price on each line', () => {
    expect(linePrices([{ sku: 'A', qty: 2 }, { sku: 'B', qty: 1 }], priceOf)).toEqual({
      ok: true,
      value: { lines: [{ sku: 'A', qty: 2, unitPrice: 100 }, { sku: 'B', qty: 1, unitPrice: 250 }], currency: 'CNY' },
    });
  });

  it.each([
    [[{ sku: 'A', qty: 1 }, { sku: 'X', qty: 1 }], 1, 'is not a SKU of this brand'],
    [[{ sku: 'A', qty: 1 }, { sku: 'A', qty: 2 }], 1, 'repeats an earlier line; use one line with the total quantity'],
    [[{ sku: 'A', qty: 1 }, { sku: 'U', qty: 1 }], 1, 'is priced in USD, the cart in CNY'],
  ])('names the line it cannot price', (lines, index, message) => {
    expect(linePrices(lines, priceOf)).toEqual({ ok: false, error: { index, message } });
  });
});

describe('pricing invariants (property)', () => {
  const lines = fc.array(
    fc.record({ sku: fc.string(), qty: fc.integer({ min: 1, max: 999 }), unitPrice: fc.integer({ min: 0, max: 100_000_000 }) }),
    { minLength: 1, maxLength: 8 },
  );
  const campaign = fc.record({
    code: fc.constantFrom('C1', 'C2'),
    startsAt: fc.constantFrom('2025-11-10T00:00:00.000Z', '2025-11-12T00:00:00.000Z'),
    endsAt: fc.constantFrom('2025-11-11T00:00:00.000Z', '2025-11-13T00:00:00.000Z'),
    budget: fc.integer({ min: 0, max: 1_000_000_000_000 }),
  }).chain((c) => fc.record({ spent: fc.integer({ min: 0, max: c.budget }) }).map(({ spent }) => ({ ...c, spent })));
  const terms = fc.oneof(
    fc.record({ kind: fc.constant('fixed' as const), amount: fc.integer({ min: 1, max: 100_000_000 }) }),
    fc.record({ kind: fc.constant('percent' as const), percent: fc.integer({ min: 1, max: 100 }) }),
    fc.record({ kind: fc.constant('threshold' as const), amount: fc.integer({ min: 1, max: 100_000_000 }), threshold: fc.integer({ min: 1, max: 500_000_000 }) }),
  );
  const offered = fc.oneof(
    { weight: 1, arbitrary: fc.record({ code: fc.string({ minLength: 1, maxLength: 4 }) }) },
    {
      weight: 6,
      arbitrary: fc.record({
        code: fc.string({ minLength: 1, maxLength: 4 }),
        held: fc.record({
          customerId: fc.constantFrom('alice', 'bob'),
          status: fc.constantFrom<CouponStatus>('issued', 'issued', 'issued', 'redeemed', 'void'),
          template: fc.record({ code: fc.constantFrom('T1', 'T2', 'T3', 'T4'), terms }).map(({ code, terms }) => template(code, terms)),
          campaign,
        }),
      }),
    },
  );
  /** Campaigns of one code share budget and spent, as in the database. */
  const consistent = (coupons: OfferedCoupon[]) => {
    const first = new Map<string, Campaign>();
    return coupons.map((c) => {
      if (!c.held) return c;
      const k = first.get(c.held.campaign.code) ?? c.held.campaign;
      first.set(k.code, k);
      return { ...c, held: { ...c.held, campaign: k } };
    });
  };
  const cart = fc.record({
    lines,
    coupons: fc.uniqueArray(offered, { maxLength: 6, selector: (c) => c.code }).map(consistent),
    customerId: fc.constantFrom('alice', 'bob', undefined),
    now: fc.constantFrom(new Date('2025-11-10T12:00:00.000Z'), new Date('2025-11-12T12:00:00.000Z')),
  });

  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

  function expectConsistent(priced: PricedCart, coupons: OfferedCoupon[]): void {
    const applied = priced.coupons.filter((c) => c.applied);
    expect(priced.subtotal).toBe(sum(priced.lines.map((l) => l.subtotal)));
    expect(priced.total).toBeGreaterThanOrEqual(0);
    expect(priced.total).toBeLessThanOrEqual(priced.subtotal);
    expect(priced.total).toBe(priced.subtotal - priced.discount);
    expect(priced.discount).toBe(sum(applied.map((c) => c.discount)));
    expect(priced.discount).toBe(sum(priced.lines.map((l) => l.discount)));
    for (const l of priced.lines) {
      expect(l.subtotal).toBe(l.unitPrice * l.qty);
      expect(l.total).toBe(l.subtotal - l.discount);
      expect(l.total).toBeGreaterThanOrEqual(0);
      expect(l.discount).toBe(sum(l.discounts.map((d) => d.amount)));
    }
    for (const c of priced.coupons) {
      expect(Number.isSafeInteger(c.discount)).toBe(true);
      expect(c.applied ? c.discount > 0 : c.discount === 0).toBe(true);
      // Each applied coupon's discount is exactly what its lines carry.
      expect(sum(priced.lines.flatMap((l) => l.discounts.filter((d) => d.coupon === c.code).map((d) => d.amount)))).toBe(c.discount);
    }
    // No campaign spends past its budget.
    const campaigns = new Map(coupons.flatMap((c) => (c.held ? [[c.held.campaign.code, c.held.campaign] as const] : [])));
    for (const [code, k] of campaigns) {
      const charged = sum(applied.filter((c) => coupons.find((o) => o.code === c.code)?.held?.campaign.code === code).map((c) => c.discount));
      expect(k.spent + charged).toBeLessThanOrEqual(k.budget);
    }
  }

  it('the total is never negative nor above the undiscounted total; every discount is whole and adds up exactly', () => {
    fc.assert(
      fc.property(cart, (c) => {
        expectConsistent(priceCart(c), c.coupons);
      }),
      { numRuns: 500 },
    );
  });

  it("the caller's order of coupons never changes the price (one coupon per template)", () => {
    fc.assert(
      fc.property(
        cart.map((c) => ({ ...c, coupons: c.coupons.filter((o, i, all) => !o.held || all.findIndex((x) => x.held?.template.code === o.held!.template.code) === i) })),
        fc.nat(),
        (c, seed) => {
          const shuffled = [...c.coupons].sort((a, b) => ((a.code.charCodeAt(0) * 31 + seed) % 7) - ((b.code.charCodeAt(0) * 31 + seed) % 7));
          const a = priceCart(c);
          const b = priceCart({ ...c, coupons: shuffled });
          expect(b.total).toBe(a.total);
          expect(b.lines).toEqual(a.lines);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('allocate shares exactly, within one unit of the exact proportion, never past a weight', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000_000_000_000 }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), (weights, f) => {
        const total = sum(weights);
        const amount = Math.floor(total * f);
        const shares = allocate(amount, weights);
        expect(sum(shares)).toBe(amount);
        shares.forEach((s, i) => {
          const w = weights[i]!;
          expect(Number.isSafeInteger(s)).toBe(true);
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(w);
          expect(Math.abs(s - (amount * w) / (total || 1))).toBeLessThan(1 + 1e-6);
        });
      }),
    );
  });
});
