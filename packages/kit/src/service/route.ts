import type { Static, TSchema, TUnknown } from '@sinclair/typebox';
import type { Principal, Role } from '../auth/index.js';
import type { Tx } from '../transaction/index.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route: a token with one of these roles (anyone else gets 401
 * or 403), or `'public'`: no token at all, for callers that are not users of
 * the platform (a payment provider's signed callback). A public handler gets
 * no principal; it must authenticate the caller itself and name the tenant it
 * works for (from what it verified) on every read, write and emit.
 */
export type RouteAccess = readonly Role[] | 'public';

export interface RouteInput<B, P, Q, Pr = Principal> {
  body: B;
  params: P;
  query: Q;
  /** The verified caller; its tenant scopes every read and write. Undefined on public routes. */
  principal: Pr;
}

export interface RouteResult {
  status: number;
  /** A Problem (a refusal returned, not thrown, so the unit of work still commits) is sent as problem+json, like a thrown one. */
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * The refusals a route's handler gives, by status, each saying when, e.g.
 * `{ 404: 'no such order', 409: 'the order moved on meanwhile' }`. Its API document lists
 * them beside those the pipeline gives (400, 401, 403, 413, 414, 415, 422 for a reused Idempotency-Key, 429, 503).
 */
export type RouteErrors = Partial<Record<400 | 401 | 403 | 404 | 409 | 422, string>>;

export interface RouteDefinition<DB> {
  method: Method;
  url: string;
  summary: string;
  /** Who may call it; anyone else gets 403. `'public'`: no token (see RouteAccess). */
  roles: RouteAccess;
  /** Creating POSTs: an `Idempotency-Key` header is required and a repeat returns the first response. */
  idempotent?: boolean;
  /** False for the rare handler that opens its own transactions; writes otherwise run in one. */
  transaction?: boolean;
  /**
   * Never refused for load (see admission.ts): for a route whose refusal would only hold back work
   * already accepted, such as a payment provider's callback for an order that waits on it.
   */
  alwaysAdmitted?: boolean;
  body?: TSchema;
  params?: TSchema;
  query?: TSchema;
  /** Its success bodies by status; every route has one (a 204: `Type.Null()`). */
  response?: Record<number, TSchema>;
  errors?: RouteErrors;
  /**
   * Slow work that needs no transaction (hashing a password), done before the unit of work so it holds
   * up nobody's commit: on SQLite a service's units commit in groups, each unit in turn, so a unit that
   * waits holds up every request queued behind it. It may read (`read` is outside any transaction),
   * never write; what it returns is the handler's `input.prepared`.
   */
  prepare?(input: RouteInput<unknown, unknown, unknown, Principal | undefined>, read: Tx<DB>): Promise<unknown>;
  /** Typed where the route is defined (routeFor infers its input from the schemas); the pipeline hands it what they validated. */
  handler(input: RouteInput<unknown, unknown, unknown, Principal | undefined> & { prepared?: unknown }, tx: Tx<DB>): Promise<RouteResult>;
}

interface RouteSpec<DB, B extends TSchema, P extends TSchema, Q extends TSchema, A extends RouteAccess, R>
  extends Omit<RouteDefinition<DB>, 'handler' | 'prepare' | 'body' | 'params' | 'query' | 'roles'> {
  roles: A;
  body?: B;
  params?: P;
  query?: Q;
  prepare?(input: RouteInput<Static<B>, Static<P>, Static<Q>, A extends 'public' ? undefined : Principal>, read: Tx<DB>): Promise<R>;
  handler(input: RouteInput<Static<B>, Static<P>, Static<Q>, A extends 'public' ? undefined : Principal> & { prepared: R }, tx: Tx<DB>): Promise<RouteResult>;
}

/** `const route = routeFor<MyTables>()`, then `route({...})` infers body, params and query types from their schemas (and `prepared` from `prepare`). */
export function routeFor<DB>() {
  return <B extends TSchema = TUnknown, P extends TSchema = TUnknown, Q extends TSchema = TUnknown, A extends RouteAccess = readonly Role[], R = undefined>(
    spec: RouteSpec<DB, B, P, Q, A, R>,
  ): RouteDefinition<DB> => spec;
}
