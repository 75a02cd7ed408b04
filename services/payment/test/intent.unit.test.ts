import { describe, expect, it } from 'vitest';
import { compensation, planRefund, refundable, returnRefund, standing, transition, type IntentAction, type IntentStatus } from '../domain/intent.js';

describe('payment intent state machine', () => {
  it('moves a created intent to captured, failed or cancelled, and nowhere else', () => {
    expect(transition('created', 'capture')).toEqual({ ok: true, value: 'captured' });
    expect(transition('created', 'fail')).toEqual({ ok: true, value: 'failed' });
    expect(transition('created', 'cancel')).toEqual({ ok: true, value: 'cancelled' });
    expect(transition('created', 'refund').ok).toBe(false);
  });

  it('never captures twice, and never revives a failed or cancelled intent', () => {
    const actions: IntentAction[] = ['capture', 'fail', 'cancel'];
    for (const from of ['captured', 'refunded', 'failed', 'cancelled'] as IntentStatus[]) {
      for (const action of actions) expect(transition(from, action).ok, `${from} ${action}`).toBe(false);
    }
    expect(transition('captured', 'refund')).toEqual({ ok: true, value: 'refunded' });
    expect(transition('failed', 'refund').ok).toBe(false);
  });

  it('refunds in parts up to the captured amount', () => {
    const captured = { status: 'captured' as const, amount: 10_000, refunded: 0 };
    expect(refundable(captured)).toBe(10_000);
    const first = planRefund(captured, 3000);
    expect(first).toEqual({ ok: true, value: { status: 'refunded', refunded: 3000 } });
    const after = { status: 'refunded' as const, amount: 10_000, refunded: 3000 };
    expect(refundable(after)).toBe(7000);
    expect(planRefund(after, 7001)).toEqual({ ok: false, error: 'exceeds_refundable' });
    expect(planRefund(after, 7000)).toEqual({ ok: true, value: { status: 'refunded', refunded: 10_000 } });
    expect(planRefund({ ...after, refunded: 10_000 }, 1)).toEqual({ ok: false, error: 'exceeds_refundable' });
    expect(planRefund(captured, 0)).toEqual({ ok: false, error: 'exceeds_refundable' });
  });

  it('refuses to refund what was never captured', () => {
    for (const status of ['created', 'failed', 'cancelled'] as IntentStatus[]) {
      expect(refundable({ status, amount: 100, refunded: 0 })).toBe(0);
      expect(planRefund({ status, amount: 100, refunded: 0 }, 50)).toEqual({ ok: false, error: 'not_captured' });
    }
  });

  it('compensates a cancelled order: cancels a pending payment, refunds what is left of a captured one', () => {
    expect(compensation({ status: 'created', amount: 100, refunded: 0 })).toEqual({ kind: 'cancel' });
    expect(compensation({ status: 'captured', amount: 100, refunded: 0 })).toEqual({ kind: 'refund', amount: 100 });
    expect(compensation({ status: 'refunded', amount: 100, refunded: 30 })).toEqual({ kind: 'refund', amount: 70 });
    for (const settled of [
      { status: 'refunded' as const, amount: 100, refunded: 100 },
      { status: 'failed' as const, amount: 100, refunded: 0 },
      { status: 'cancelled' as const, amount: 100, refunded: 0 },
    ]) {
      expect(compensation(settled), settled.status).toEqual({ kind: 'none' });
    }
  });

  it('refunds a return what its goods are worth, capped by what is left to refund', () => {
    const captured = { status: 'captured' as const, amount: 10_000, refunded: 0 };
    expect(returnRefund(captured, 3000)).toBe(3000);
    expect(returnRefund({ ...captured, status: 'refunded', refunded: 8000 }, 3000)).toBe(2000);
    expect(returnRefund({ ...captured, status: 'refunded', refunded: 10_000 }, 3000)).toBe(0);
    expect(returnRefund(captured, 0)).toBe(0);
    expect(returnRefund({ ...captured, status: 'created' }, 3000)).toBe(0);
  });

  it('shows a payment refunded in part as partially_refunded, and in full as refunded', () => {
    expect(standing({ status: 'refunded', amount: 10_000, refunded: 3000 })).toBe('partially_refunded');
    expect(standing({ status: 'refunded', amount: 10_000, refunded: 10_000 })).toBe('refunded');
    expect(standing({ status: 'captured', amount: 10_000, refunded: 0 })).toBe('captured');
  });
});
