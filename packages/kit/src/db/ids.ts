import { v7 } from 'uuid';

/**
 * A new id for a row or an event: a UUID of version 7 (RFC 9562), whose first 48 bits are the time
 * in milliseconds and the rest random. Ids made one after another sort one after another, so an
 * index keyed by them (an order's id, an event's) grows at its right edge, and a commit rewrites
 * the few pages there instead of one page per row per index scattered over the tree, as random
 * (version 4) ids do. On the order flow it cut what SQLite writes per order by over a third.
 * Not for tokens or secrets: the moment it was made can be read from it.
 */
export const newId = (): string => v7();
