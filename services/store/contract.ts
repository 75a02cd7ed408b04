import { Type, type Static } from '@sinclair/typebox';
import { choice, defineEvent } from '@omnishop/kit';
import { TIME_PATTERN } from './domain/hours.js';

/* The shapes a store is described in: the events carry them, and the routes accept the same. */

export const StoreType = choice(['store', 'warehouse'], { description: 'store (sells and ships) or warehouse (ships only)' });
export type StoreType = Static<typeof StoreType>;
export const StoreStatus = choice(['active', 'closed'], { description: 'active, or closed: it takes no orders' });
export type StoreStatus = Static<typeof StoreStatus>;
export const Latitude = Type.Number({ minimum: -90, maximum: 90, description: 'decimal degrees, WGS 84' });
export const Longitude = Type.Number({ minimum: -180, maximum: 180, description: 'decimal degrees, WGS 84' });

const Time = Type.String({ pattern: TIME_PATTERN, description: 'local time HH:MM' });
const Day = Type.Optional(Type.Object({ open: Time, close: Time }, { additionalProperties: false }));
export const OpeningHours = Type.Object(
  { mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day },
  { additionalProperties: false, description: 'local opening time per weekday; a weekday left out is closed' },
);

export const StoreOpened = defineEvent(
  'StoreOpened',
  1,
  'A store or warehouse was added to the brand, with where it is; from now on stock can be kept and orders fulfilled there.',
  Type.Object({
    code: Type.String({ description: 'store code; also the stock location code' }),
    name: Type.String(),
    type: StoreType,
    city: Type.String(),
    lat: Latitude,
    lng: Longitude,
  }),
);

export const StoreChanged = defineEvent(
  'StoreChanged',
  1,
  "A store's name, opening hours or status changed (status closed: it takes no more orders); carries all three as they are now.",
  Type.Object({ code: Type.String(), name: Type.String(), status: StoreStatus, hours: OpeningHours }),
);

export const storeEvents = [StoreOpened, StoreChanged];
