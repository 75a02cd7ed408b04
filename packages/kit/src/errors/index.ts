import { Type } from '@sinclair/typebox';

/**
 * RFC 9457 problem details. Every error a client sees is one of these, so a
 * client needs exactly one error parser and a person reading it knows what
 * to fix.
 */
export interface FieldError {
  /** Where the bad value is, e.g. `body.lines.0.qty` or `header.idempotency-key`. */
  field: string;
  message: string;
  /** For a choice: the values the field may take. */
  allowed?: unknown[];
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** The schema of FieldError and ProblemBody, for API documents: every 4xx of every operation refers to it. */
export const FieldErrorSchema = Type.Object(
  {
    field: Type.String({ description: 'where the bad value is, e.g. `body.lines.0.qty` or `header.idempotency-key`' }),
    message: Type.String(),
    allowed: Type.Optional(Type.Array(Type.Unknown(), { description: 'for a choice: the values the field may take' })),
  },
  { title: 'FieldError', description: 'What is wrong with one field of the request' },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri', description: 'what kind of problem, e.g. `https://omnishop.dev/problems/validation`; a client branches on this' }),
    title: Type.String({ description: 'a short summary of the kind' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String({ description: 'what went wrong this time, for a person' })),
    instance: Type.Optional(Type.String({ description: 'the request path' })),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { title: 'Problem', description: 'RFC 9457 problem details (`application/problem+json`): every error the API answers', additionalProperties: true },
);

const TYPE_BASE = 'https://omnishop.dev/problems/';

export class Problem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    slug: string,
    title: string,
    opts: { detail?: string; errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(opts.detail ?? title);
    this.status = status;
    this.type = TYPE_BASE + slug;
    this.title = title;
    this.detail = opts.detail;
    this.errors = opts.errors;
    this.headers = opts.headers ?? {};
  }

  toBody(instance?: string): ProblemBody {
    const body: ProblemBody = { type: this.type, title: this.title, status: this.status };
    if (this.detail) body.detail = this.detail;
    if (instance) body.instance = instance;
    if (this.errors?.length) body.errors = this.errors;
    return body;
  }
}

export const badRequest = (field: string, message: string) =>
  new Problem(400, 'validation', 'Request validation failed', {
    detail: `${field} ${message}`,
    errors: [{ field, message }],
  });

export const unprocessable = (field: string, message: string) =>
  new Problem(422, 'unprocessable', 'Request cannot be processed', {
    detail: `${field} ${message}`,
    errors: [{ field, message }],
  });

export const notFound = (what: string, id: string) =>
  new Problem(404, 'not-found', `${what} not found`, { detail: `${what} ${id} does not exist` });

export const conflict = (slug: string, detail: string) => new Problem(409, slug, 'Conflict', { detail });

/** Something the work needs (a database, another service) cannot be reached right now: try again shortly. */
export const unavailable = (detail: string) => new Problem(503, 'unavailable', 'Temporarily unavailable', { detail, headers: { 'retry-after': '1' } });

/**
 * "Changed since you read it": another writer got between this work's read
 * and its write (a conditional update matched nothing, a constraint refused
 * the write). The one way every service says it, wherever it is found: the
 * request pipeline answers it 409 of type `what` (toProblem), and an event
 * handler that throws it is retried by its consumer, whose next attempt reads
 * again and decides anew. A job may catch it to leave that item to the writer
 * that won.
 */
export class Changed extends Error {
  constructor(
    /** What changed, as the type of the 409 a request gets: `order-changed`, `stock-changed`, ... */
    readonly what: string,
    message: string,
  ) {
    super(message);
    this.name = 'Changed';
  }
}

export const unauthorized = (detail: string) =>
  new Problem(401, 'unauthorized', 'Authentication required', {
    detail,
    headers: { 'www-authenticate': 'Bearer' },
  });

/** Refused for what is asked of whom: another store, someone else's order. A role a route does not name is `roleForbidden`. */
export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'Forbidden', { detail });

/** The caller's role is not one the route names: its own problem type, so a client (and the role matrix test) can tell it from `forbidden`. */
export const roleForbidden = (detail: string) => new Problem(403, 'role-forbidden', 'Forbidden for this role', { detail });

