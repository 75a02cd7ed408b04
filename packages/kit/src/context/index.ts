import { AsyncLocalStorage } from 'node:async_hooks';
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
  /** The brand whose data this work may touch; undefined only for cross-tenant jobs. */
  tenant?: string;
  principal?: Principal;
  /** W3C traceparent of the span doing the work, passed on to events and downstream calls. */
  traceparent?: string;
  traceId?: string;
  /** Fires when the deadline passes or the caller goes away. */
  signal: AbortSignal;
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

/** A signal that fires after `ms`, or earlier when `parent` fires. */
export function deadlineSignal(ms: number, parent?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return parent ? AbortSignal.any([parent, timeout]) : timeout;
}
