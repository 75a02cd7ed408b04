import { describe, expect, it } from 'vitest';
import {
  claimBy,
  isDue,
  mayWorkOn,
  MODE_OF,
  nextRound,
  offereesFor,
  roundAfterGiveBack,
  transition,
  unregistered,
  type FulfilmentAction,
  type FulfilmentStatus,
} from '../domain/fulfilment.js';

const ACTIONS: FulfilmentAction[] = ['claim', 'give_back', 'book', 'ship', 'receive', 'ready', 'collect'];
const STATUSES: FulfilmentStatus[] = ['offered', 'claimed', 'booked', 'shipped', 'received', 'ready', 'collected'];

describe('fulfilment state machine', () => {
  it('walks the ship path: offered, claimed, booked, shipped, received', () => {
    expect(transition('offered', 'claim')).toEqual({ ok: true, value: 'claimed' });
    expect(transition('claimed', 'book')).toEqual({ ok: true, value: 'booked' });
    expect(transition('booked', 'ship')).toEqual({ ok: true, value: 'shipped' });
    expect(transition('shipped', 'receive')).toEqual({ ok: true, value: 'received' });
    expect(MODE_OF.book).toBe('ship');
  });

  it('walks the click & collect path: claimed, ready, collected', () => {
    expect(transition('claimed', 'ready')).toEqual({ ok: true, value: 'ready' });
    expect(transition('ready', 'collect')).toEqual({ ok: true, value: 'collected' });
    expect(MODE_OF.ready).toBe('collect');
  });

  it('lets only a claimed order be given back, and never claims twice', () => {
    expect(transition('claimed', 'give_back')).toEqual({ ok: true, value: 'offered' });
    expect(transition('claimed', 'ship')).toEqual({ ok: false, error: 'an order that is claimed cannot ship: book a courier (POST .../book with carrier and tracking) first' });
    expect(transition('claimed', 'collect')).toEqual({ ok: false, error: 'an order that is claimed cannot collect: ready it for pickup first' });
    expect(transition('offered', 'book')).toEqual({ ok: false, error: 'an order that is offered cannot book: claim it first' });
    expect(transition('received', 'ship')).toEqual({ ok: false, error: 'an order that is received cannot ship' });
    for (const from of STATUSES.filter((s) => s !== 'claimed')) expect(transition(from, 'give_back').ok, from).toBe(false);
    for (const from of STATUSES.filter((s) => s !== 'offered')) expect(transition(from, 'claim').ok, from).toBe(false);
  });

  it('does not mix the paths, skip steps or leave a final status', () => {
    expect(transition('booked', 'ready').ok).toBe(false);
    expect(transition('ready', 'ship').ok).toBe(false);
    expect(transition('claimed', 'ship').ok).toBe(false);
    expect(transition('offered', 'book').ok).toBe(false);
    for (const from of ['received', 'collected'] as FulfilmentStatus[]) {
      for (const action of ACTIONS) expect(transition(from, action).ok, `${from} ${action}`).toBe(false);
    }
    expect(transition('offered', 'ship')).toEqual({ ok: false, error: 'an order that is offered cannot ship' });
  });
});

describe('offer rounds', () => {
  const own = ['ST_SH_001', 'WH_SH', 'ST_SH_001'].map(unregistered);
  const known = [
    ...['ST_BJ_001', 'ST_SH_001', 'WH_BJ', 'WH_SH', 'POPUP_1'].map(unregistered),
    { code: 'HANGZHOU_FLAGSHIP', type: 'store' as const, active: true },
    { code: 'ST_GZ_009', type: 'store' as const, active: false },
    { code: 'DC_EAST', type: 'warehouse' as const, active: true },
  ];

  it('round 1 offers every location holding the stock at once, a warehouse as soon as a store', () => {
    expect(offereesFor(1, own, known)).toEqual(['ST_SH_001', 'WH_SH']);
    expect(offereesFor(1, [unregistered('WH_SH')], known)).toEqual(['WH_SH']);
    expect(offereesFor(1, [unregistered('POPUP_1')], known)).toEqual(['POPUP_1']);
    expect(offereesFor(1, [{ code: 'ST_GZ_009', type: 'store', active: false }], known)).toEqual([]);
  });

  it('round 2 offers every active store known, round 3 every warehouse known', () => {
    expect(offereesFor(2, own, known)).toEqual(['HANGZHOU_FLAGSHIP', 'ST_BJ_001', 'ST_SH_001']);
    expect(offereesFor(3, own, known)).toEqual(['DC_EAST', 'WH_BJ', 'WH_SH']);
    expect(offereesFor(3, [unregistered('ST_SH_001')], [])).toEqual([]);
  });

  it('types a location the register does not know by its name, or not at all', () => {
    expect(unregistered('ST_SH_001').type).toBe('store');
    expect(unregistered('WH_SH').type).toBe('warehouse');
    expect(unregistered('POPUP_1').type).toBeUndefined();
  });

  it('stops after the third round', () => {
    expect(nextRound(1)).toBe(2);
    expect(nextRound(2)).toBe(3);
    expect(nextRound(3)).toBeUndefined();
  });

  it('offers a given-back order in the next round, or in the last one again', () => {
    expect(roundAfterGiveBack(1)).toBe(2);
    expect(roundAfterGiveBack(2)).toBe(3);
    expect(roundAfterGiveBack(3)).toBe(3);
  });
});

describe('claiming an order', () => {
  const offered = { status: 'offered' as const, claimedBy: null };

  it('the first claim of a store it is offered to wins', () => {
    expect(claimBy(offered, 'ST_SH_001', true)).toEqual({ ok: true, value: 'claim' });
  });

  it('a store it is not offered to may not claim it', () => {
    expect(claimBy(offered, 'ST_BJ_001', false)).toEqual({ ok: false, error: { kind: 'not_offered' } });
  });

  it("the winner's repeat is told it holds the order, whether or not it is still among those offered", () => {
    expect(claimBy({ status: 'claimed', claimedBy: 'ST_SH_001' }, 'ST_SH_001', false)).toEqual({ ok: true, value: 'held' });
  });

  it('a later claim is told who got there first, or how far the order is', () => {
    expect(claimBy({ status: 'claimed', claimedBy: 'ST_SH_001' }, 'ST_BJ_001', true)).toEqual({ ok: false, error: { kind: 'taken', reason: 'is claimed by ST_SH_001' } });
    expect(claimBy({ status: 'cancelled', claimedBy: null }, 'ST_BJ_001', true)).toEqual({ ok: false, error: { kind: 'taken', reason: 'is cancelled' } });
  });

  it('only the claiming store works on a claimed order; an unclaimed one waits for any', () => {
    expect(mayWorkOn('ST_SH_001', 'ST_SH_001')).toBe(true);
    expect(mayWorkOn('ST_SH_001', 'ST_BJ_001')).toBe(false);
    expect(mayWorkOn(null, 'ST_BJ_001')).toBe(true);
  });
});

describe('isDue', () => {
  const offeredAt = '2025-11-11T00:00:00.000Z';
  it('is due once the timeout has passed, not before', () => {
    expect(isDue(offeredAt, new Date('2025-11-11T00:00:59.999Z'), 60)).toBe(false);
    expect(isDue(offeredAt, new Date('2025-11-11T00:01:00.000Z'), 60)).toBe(true);
    expect(isDue(new Date(offeredAt), new Date('2025-11-11T01:00:00.000Z'), 60)).toBe(true);
  });
});
