import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/index.js';

/**
 * Request-scoped values, carried the way Go code passes `context.Context`:
 * every log line, DB call, outgoing call and emitted event can reach them
 * without threading parameters through the domain.
 */
export interface RequestContext {
  /** Which service is doing the work. */
  service: string;
  /** Request id for requests, event id for consumed events, run id for jobs. */
  requestId: string;
  /** The brand whose data this work may touch; the data layer scopes every query to it (see db/tenant-scope). */
  tenant?: string;
  /** Why this work may touch every brand's rows; set only by acrossTenants(). */
  acrossTenants?: string;
  principal?: Principal;
  /** W3C traceparent of the span doing the work, passed on to events and downstream calls. */
  traceparent?: string;
  traceId?: string;
  /** Fires when the deadline passes or the caller goes away. */
  signal: AbortSignal;
  /** When the deadline passes (Date.now() time), where known: checked without making the signal. */
  deadlineAt?: number;
}

/**
 * A context whose deadline is `ms` from now. Its signal is made only when
 * something asks for it (an outgoing call): AbortSignal.timeout costs more
 * than most requests' own work, and most never need it; the data layer
 * checks `deadlineAt` instead.
 */
export function withDeadline(fields: Omit<RequestContext, 'signal' | 'deadlineAt'>, ms: number): RequestContext {
  const deadlineAt = Date.now() + ms;
  let signal: AbortSignal | undefined;
  return Object.defineProperty({ ...fields, deadlineAt } as RequestContext, 'signal', {
    enumerable: true,
    get: () => (signal ??= AbortSignal.timeout(Math.max(0, deadlineAt - Date.now()))),
  });
}

/** Whether the work's deadline has passed. */
export function deadlinePassed(ctx: RequestContext | undefined): boolean {
  if (!ctx) return false;
  return ctx.deadlineAt !== undefined ? Date.now() >= ctx.deadlineAt : ctx.signal.aborted;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs `fn` outside any request's context: for shared work (a group commit) that no one request owns. */
export function outsideContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

const NEVER = new AbortController().signal;

/**
 * A public route (no token) names the brand it works for once it has
 * authenticated its caller some other way (a signed callback, a password, a
 * refresh token): from then on the data layer scopes its queries to it.
 */
export function actForTenant(tenant: string): void {
  const ctx = storage.getStore();
  if (!ctx) throw new Error('actForTenant outside any request or event');
  ctx.tenant = tenant;
}

/**
 * The tenant of platform staff (an operator looking after every brand), never a brand's:
 * work for it sees every brand's dead letters. Any other tenant is one brand.
 */
export const PLATFORM_TENANT = 'platform';

/**
 * Runs `fn` with brand scoping lifted, for work that truly spans brands (a
 * job sweeping every brand's due rows, the outbox relay). The only way past
 * the data layer's brand isolation; the reason says why, and `grep
 * acrossTenants` finds every use.
 */
export function acrossTenants<T>(reason: string, fn: () => T): T {
  const outer = storage.getStore() ?? { service: 'platform', requestId: randomUUID(), signal: NEVER };
  // Inherits from the outer context rather than copying it, so a deadline's signal is still made only if asked for.
  const across = Object.create(outer, { tenant: { value: undefined, writable: true, enumerable: true }, acrossTenants: { value: reason, writable: true, enumerable: true } }) as RequestContext;
  return storage.run(across, fn);
}
