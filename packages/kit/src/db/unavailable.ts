/** PostgreSQL's SQLSTATE classes for "the server went away or is not taking connections yet". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123])/;
const UNAVAILABLE_SYSCALL = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
/** What the pg client says of a connection the server closed under it. */
const UNAVAILABLE_MESSAGE = /^(Connection terminated|Client has encountered a connection error|Connection ended)/;

/** PostgreSQL: a prepared statement planned before its table's columns changed (see PreparingClient). */
export const isStalePlan = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test(String((error as { message?: unknown }).message));

/**
 * Whether `error` says the database (or another service) cannot be reached
 * right now: restarting, failing over, busy past the wait. That is not a
 * fault in the work, and trying again shortly is the answer (503).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SYSCALL.has(code) || code === 'SQLITE_BUSY')) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  // A migration another replica ran just now: the next try plans the statement anew.
  if (isStalePlan(error)) return true;
  // pg-pool reports a failed connect as an AggregateError of each address it tried.
  return error instanceof AggregateError && error.errors.some(isDatabaseUnavailable);
}
