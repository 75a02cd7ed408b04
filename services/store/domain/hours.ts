import { err, ok, type Result } from '@omnishop/kit';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One day's opening in the store's local time, "HH:MM". */
export interface DayHours {
  open: string;
  close: string;
}

/**
 * Opening hours per weekday; a weekday left out is a closed day. A day closes
 * after it opens: opening past midnight is not modelled (no store of ours
 * does), and "24:00" closes at midnight.
 */
export type OpeningHours = Partial<Record<Weekday, DayHours>>;

/** "00:00" to "23:59", and "24:00" for a day that ends at midnight. Route and event schemas use it too. */
export const TIME_PATTERN = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';
const TIME = new RegExp(TIME_PATTERN);

/** Minutes since local midnight of a valid "HH:MM". */
export const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Which part of the hours is wrong (`mon.close`), and why. */
export type HoursRejection = { field: string; message: string };

/**
 * Checks opening hours and returns them in weekday order, so two equal
 * schedules are stored as equal text whatever order they were sent in.
 */
export function validateHours(hours: Record<string, DayHours | undefined>): Result<OpeningHours, HoursRejection> {
  const unknown = Object.keys(hours).find((key) => !(WEEKDAYS as readonly string[]).includes(key));
  if (unknown !== undefined) return err({ field: unknown, message: `is not a weekday (${WEEKDAYS.join(', ')})` });
  const valid: OpeningHours = {};
  for (const day of WEEKDAYS) {
    const h = hours[day];
    if (!h) continue;
    for (const end of ['open', 'close'] as const) {
      if (!TIME.test(h[end])) return err({ field: `${day}.${end}`, message: 'must be a time HH:MM' });
    }
    if (minutesOf(h.close) <= minutesOf(h.open)) return err({ field: `${day}.close`, message: `must be after open (${h.open})` });
    valid[day] = { open: h.open, close: h.close };
  }
  return ok(valid);
}
