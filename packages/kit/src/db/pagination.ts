import { badRequest } from '../errors/index.js';

/**
 * Cursor pagination: the cursor is the opaque, base64url-encoded sort key of
 * the last item returned. Stable under inserts, unlike offsets.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K extends string | number>(cursor: string | undefined, kind: 'string' | 'number'): K | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Numeric keys are sequence numbers: a fraction or an overflow to Infinity was never returned.
    if (kind === 'string' ? typeof key === 'string' : Number.isSafeInteger(key)) return key as K;
  } catch {
    // fall through to the error below
  }
  throw badRequest('query.cursor', 'is not a cursor this list returned');
}

/** Builds a page from `limit + 1` fetched rows: the extra row only says there is more. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string | number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
