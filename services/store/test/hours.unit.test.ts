import { describe, expect, it } from 'vitest';
import { minutesOf, validateHours } from '../domain/hours.js';

const TEN_TO_TEN = { open: '10:00', close: '22:00' };

describe('validateHours', () => {
  it('accepts a week of days that close after they open, and days left out (closed)', () => {
    expect(validateHours({ mon: TEN_TO_TEN, sat: { open: '09:30', close: '23:00' } })).toEqual({
      ok: true,
      value: { mon: TEN_TO_TEN, sat: { open: '09:30', close: '23:00' } },
    });
  });

  it('accepts a shop closed all week', () => {
    expect(validateHours({})).toEqual({ ok: true, value: {} });
  });

  it('accepts a day that runs until midnight, spelled 24:00', () => {
    expect(validateHours({ fri: { open: '00:00', close: '24:00' } }).ok).toBe(true);
  });

  it('returns the days in weekday order, so equal schedules are equal text', () => {
    const checked = validateHours({ sun: TEN_TO_TEN, mon: TEN_TO_TEN, wed: TEN_TO_TEN });
    expect(checked.ok && Object.keys(checked.value)).toEqual(['mon', 'wed', 'sun']);
  });

  it.each([
    ['closes before it opens', { open: '22:00', close: '10:00' }],
    ['closes the minute it opens', { open: '10:00', close: '10:00' }],
  ])('refuses a day that %s, naming its close', (_, day) => {
    expect(validateHours({ tue: day })).toEqual({ ok: false, error: { field: 'tue.close', message: `must be after open (${day.open})` } });
  });

  it.each(['9:00', '10:60', '25:00', '24:01', '10h00', '10:00:00', ''])('refuses the time %j, naming where it is', (time) => {
    expect(validateHours({ wed: { open: time, close: '22:00' } })).toEqual({ ok: false, error: { field: 'wed.open', message: 'must be a time HH:MM' } });
    expect(validateHours({ wed: { open: '08:00', close: time } })).toEqual({ ok: false, error: { field: 'wed.close', message: 'must be a time HH:MM' } });
  });

  it('refuses opening at 24:00: nothing can close after it', () => {
    expect(validateHours({ thu: { open: '24:00', close: '24:00' } }).ok).toBe(false);
  });

  it('refuses a key that is not a weekday', () => {
    expect(validateHours({ monday: TEN_TO_TEN })).toEqual({ ok: false, error: { field: 'monday', message: 'is not a weekday (mon, tue, wed, thu, fri, sat, sun)' } });
  });
});

describe('minutesOf', () => {
  it.each([
    ['00:00', 0],
    ['09:30', 570],
    ['23:59', 1439],
    ['24:00', 1440],
  ])('%s is %i minutes after midnight', (time, minutes) => {
    expect(minutesOf(time)).toBe(minutes);
  });
});
