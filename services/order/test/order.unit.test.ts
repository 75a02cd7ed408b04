import { describe, expect, it } from 'vitest';
import { amountDue, holdIsLive, planReturn, step, type PaidLine, type SagaInput, type SagaState } from '../domain/order.js';

const placed = (over: Partial<SagaState> = {}): SagaState => ({
  status: 'pending',
  channel: 'online',
  subtotal: 10_000,
  discount: 0,
  stockHeld: false,
  couponsSettled: false,
  ...over,
});

/** Runs inputs one after another, as the saga would; a refused input stops the run. */
function run(state: SagaState, ...inputs: SagaInput[]) {
  const effects: string[] = [];
  const statuses: string[] = [];
  for (const input of inputs) {
    const next = step(state, input);
    if (!next.ok) return { state, effects, statuses, refused: next.error };
    state = next.value.state;
    effects.push(...next.value.effects);
    statuses.push(...next.value.statuses.map((s) => s.status));
  }
  return { state, effects, statuses, refused: undefined };
}

describe('order saga', () => {
  it('asks for payment once stock is held and coupons redeemed, in either order', () => {
    const a = run(placed(), { kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 2000 });
    const b = run(placed(), { kind: 'coupons_redeemed', discount: 2000 }, { kind: 'stock_held' });
    for (const r of [a, b]) {
      expect(r.state).toMatchObject({ status: 'awaiting_payment', discount: 2000, stockHeld: true, couponsSettled: true });
      expect(r.effects).toEqual(['PaymentRequested']);
      expect(amountDue(r.state)).toBe(8000);
    }
  });

  it('an order without coupons waits for stock alone', () => {
    const r = run(placed({ couponsSettled: true }), { kind: 'stock_held' });
    expect(r.state.status).toBe('awaiting_payment');
  });

  it('is confirmed when paid; an online order then waits to be handed over', () => {
    const r = run(placed({ couponsSettled: true }), { kind: 'stock_held' }, { kind: 'paid' }, { kind: 'hand_over' });
    expect(r.statuses).toEqual(['awaiting_payment', 'confirmed', 'completed']);
    expect(r.effects).toEqual(['PaymentRequested', 'OrderConfirmed', 'OrderCompleted']);
  });

  it('a till sale is handed over as soon as it is paid', () => {
    const r = run(placed({ channel: 'pos', couponsSettled: true }), { kind: 'stock_held' }, { kind: 'paid' });
    expect(r.statuses).toEqual(['awaiting_payment', 'confirmed', 'completed']);
    expect(r.effects).toEqual(['PaymentRequested', 'OrderConfirmed', 'OrderCompleted']);
  });

  it('nothing due after coupons: confirmed without a payment', () => {
    const r = run(placed(), { kind: 'coupons_redeemed', discount: 99_999 }, { kind: 'stock_held' });
    expect(r.state).toMatchObject({ status: 'confirmed', discount: 10_000 });
    expect(r.effects).toEqual(['OrderConfirmed']);
  });

  it.each<[string, SagaInput[], string, string]>([
    ['no stock', [{ kind: 'stock_refused', reason: 'insufficient_stock: X' }], 'rejected', 'OrderRejected'],
    ['a coupon refused after the stock was held', [{ kind: 'stock_held' }, { kind: 'coupons_refused', reason: 'used' }], 'rejected', 'OrderRejected'],
    ['the hold expired before coupons came', [{ kind: 'stock_held' }, { kind: 'hold_expired' }], 'rejected', 'OrderRejected'],
    ['the payment failed', [{ kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'payment_failed', reason: 'declined' }], 'cancelled', 'OrderCancelled'],
    ['the payment timed out', [{ kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'payment_timed_out' }], 'cancelled', 'OrderCancelled'],
    ['the hold expired while awaiting payment', [{ kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'hold_expired' }], 'cancelled', 'OrderCancelled'],
    ['the customer cancelled after paying', [{ kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'paid' }, { kind: 'cancel', reason: 'by staff', byCustomer: false }], 'cancelled', 'OrderCancelled'],
    ['the hold expired after payment (the two raced)', [{ kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'paid' }, { kind: 'hold_expired' }], 'cancelled', 'OrderCancelled'],
  ])('compensates when %s', (_, inputs, status, effect) => {
    const r = run(placed(), ...inputs);
    expect(r.refused).toBeUndefined();
    expect(r.state.status).toBe(status);
    expect(r.effects.at(-1)).toBe(effect);
  });

  it.each<[string, SagaInput[], SagaInput]>([
    ['a second payment capture', [{ kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'paid' }], { kind: 'paid' }],
    ['a capture after the order was cancelled', [{ kind: 'cancel', reason: 'x', byCustomer: false }], { kind: 'paid' }],
    ['stock held twice', [{ kind: 'stock_held' }], { kind: 'stock_held' }],
    ['stock held for a rejected order', [{ kind: 'coupons_refused', reason: 'x' }], { kind: 'stock_held' }],
    ['payment asked of an order not awaiting it', [], { kind: 'payment_timed_out' }],
    ['handing over an unpaid order', [], { kind: 'hand_over' }],
    ['cancelling a completed order', [{ kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'paid' }, { kind: 'hand_over' }], { kind: 'cancel', reason: 'x', byCustomer: false }],
  ])('ignores a late or repeated answer: %s', (_, before, late) => {
    const r = run(placed(), ...before);
    const again = step(r.state, late);
    expect(again.ok).toBe(false);
  });

  it('a customer may cancel before paying, not after: the order may be on its way', () => {
    const unpaid = run(placed(), { kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'cancel', reason: 'x', byCustomer: true });
    expect(unpaid.state.status).toBe('cancelled');
    const paid = run(placed(), { kind: 'stock_held' }, { kind: 'coupons_redeemed', discount: 0 }, { kind: 'paid' });
    expect(step(paid.state, { kind: 'cancel', reason: 'x', byCustomer: true })).toEqual({ ok: false, error: 'cannot cancel: the order is paid and being fulfilled; ask the store' });
  });

  it('final statuses accept no input at all', () => {
    const inputs: SagaInput[] = [
      { kind: 'stock_held' },
      { kind: 'stock_refused', reason: 'x' },
      { kind: 'hold_expired' },
      { kind: 'coupons_redeemed', discount: 0 },
      { kind: 'coupons_refused', reason: 'x' },
      { kind: 'paid' },
      { kind: 'payment_failed', reason: 'x' },
      { kind: 'payment_timed_out' },
      { kind: 'cancel', reason: 'x', byCustomer: false },
      { kind: 'hand_over' },
    ];
    for (const status of ['rejected', 'cancelled', 'completed', 'returned'] as const) {
      for (const input of inputs) expect(step(placed({ status, stockHeld: true, couponsSettled: true }), input).ok, `${input.kind} on ${status}`).toBe(false);
    }
  });
});

describe('holdIsLive', () => {
  const expiresAt = '2025-03-01T12:00:00.000Z';

  it('a hold is live before it expires', () => {
    expect(holdIsLive(expiresAt, new Date('2025-03-01T11:59:59.999Z'))).toBe(true);
  });

  it('a hold is no longer live at the instant it expires (the same instant inventory treats it as expired)', () => {
    expect(holdIsLive(expiresAt, new Date(expiresAt))).toBe(false);
  });

  it('a hold is not live after it expires', () => {
    expect(holdIsLive(expiresAt, new Date('2025-03-01T12:00:01.000Z'))).toBe(false);
  });

  it('compares instants, not strings: an offset timestamp is understood', () => {
    // 14:00 at +02:00 is 12:00Z
    expect(holdIsLive('2025-03-01T14:00:00+02:00', new Date('2025-03-01T11:59:00.000Z'))).toBe(true);
    expect(holdIsLive('2025-03-01T14:00:00+02:00', new Date('2025-03-01T12:01:00.000Z'))).toBe(false);
  });

  it('an unreadable expiry never counts as live', () => {
    expect(holdIsLive('not a date', new Date('2000-01-01T00:00:00.000Z'))).toBe(false);
  });
});

describe('planReturn', () => {
  // 3 × 33.33 with 10.00 off the line: 89.99 paid for it.
  const lines: PaidLine[] = [
    { sku: 'A', qty: 3, unitPrice: 3333, discount: 1000, returnedQty: 0 },
    { sku: 'B', qty: 1, unitPrice: 5000, discount: 0, returnedQty: 0 },
  ];

  it('refunds each unit its share of what was paid, the last unit taking the rounding', () => {
    const one = planReturn('completed', lines, [{ sku: 'A', qty: 1 }]);
    expect(one).toEqual({ ok: true, value: { amount: 2999, lines: [{ sku: 'A', qty: 1, returnedQty: 1 }], wholly: false } });
    const rest = planReturn('completed', [{ ...lines[0]!, returnedQty: 1 }, lines[1]!], [{ sku: 'A', qty: 2 }]);
    expect(rest.ok && rest.value.amount).toBe(8999 - 2999);
  });

  it('knows when the whole order came back', () => {
    const all = planReturn('completed', lines, [{ sku: 'A', qty: 3 }, { sku: 'B', qty: 1 }]);
    expect(all).toMatchObject({ ok: true, value: { amount: 8999 + 5000, wholly: true } });
  });

  it.each<[string, Parameters<typeof planReturn>, string]>([
    ['an order not completed', ['confirmed', lines, [{ sku: 'A', qty: 1 }]], 'path.id'],
    ['a SKU not in the order', ['completed', lines, [{ sku: 'C', qty: 1 }]], 'body.lines.0.sku'],
    ['more than is left', ['completed', [{ ...lines[0]!, returnedQty: 2 }], [{ sku: 'A', qty: 2 }]], 'body.lines.0.qty'],
    ['a line twice', ['completed', lines, [{ sku: 'B', qty: 1 }, { sku: 'B', qty: 1 }]], 'body.lines.1.sku'],
  ])('refuses %s, naming the field', (_, args, field) => {
    const r = planReturn(...args);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe(field);
  });
});
