import { describe, expect, it } from 'vitest';
import { Ajv, type ErrorObject } from 'ajv';
import { Type, type TSchema } from '@sinclair/typebox';
import { errorCodes } from 'fastify';
import { badRequest, Changed, conflict, Problem } from '../src/errors/index.js';
import { toProblem } from '../src/service/problems.js';
import { choice } from '../src/schema/index.js';

const PROBLEMS = 'https://omnishop.dev/problems/';

// The body validator the pipeline installs: all errors, unknown fields reported (not removed), no coercion.
const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, coerceTypes: false });

/** Validates `data` like Fastify does and returns the error Fastify would hand to the error handler. */
function validationError(schema: TSchema, data: unknown, validationContext = 'body') {
  const validate = ajv.compile(schema);
  expect(validate(data)).toBe(false);
  return Object.assign(new Error('validation failed'), { validation: validate.errors as ErrorObject[], validationContext, statusCode: 400 });
}

const OrderBody = Type.Object(
  {
    lines: Type.Array(Type.Object({ sku: Type.String({ minLength: 3 }), qty: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false }), {
      minItems: 1,
    }),
  },
  { additionalProperties: false },
);

describe('toProblem', () => {
  it('says 503 with Retry-After when the database (or a service) cannot be reached, leaking nothing, and 500 for any other fault', () => {
    const shutDown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const refused = new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })]);
    for (const error of [shutDown, refused, new Error('Connection terminated unexpectedly'), Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })]) {
      const problem = toProblem(error);
      expect(problem.status, error.message).toBe(503);
      expect(problem.type).toBe(`${PROBLEMS}unavailable`);
      expect(problem.detail).not.toContain('127.0.0.1');
      expect(problem.headers['retry-after']).toBe('1');
    }
    expect(toProblem(Object.assign(new Error('duplicate key'), { code: '23505' })).status).toBe(500);
  });

  it('passes a Problem through unchanged', () => {
    const problem = conflict('already-cancelled', 'order o-1 is already cancelled');
    expect(toProblem(problem)).toBe(problem);
  });

  it('passes a field-level Problem through with its field errors', () => {
    const problem = toProblem(badRequest('header.idempotency-key', 'is required'));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'header.idempotency-key', message: 'is required' }]);
  });

  it('answers "changed since you read it" 409, typed by what changed', () => {
    const problem = toProblem(new Changed('order-changed', 'order o-1 changed while being updated; look again and retry'));
    expect(problem.toBody()).toEqual({
      type: 'https://omnishop.dev/problems/order-changed',
      title: 'Conflict',
      status: 409,
      detail: 'order o-1 changed while being updated; look again and retry',
    });
  });

  describe('request validation errors', () => {
    it('become a 400 validation problem naming the field by its path in the request', () => {
      const problem = toProblem(validationError(OrderBody, { lines: [{ sku: 'TS1001-BLK-M', qty: 0 }] }));
      expect(problem).toBeInstanceOf(Problem);
      expect(problem.status).toBe(400);
      expect(problem.type).toBe(`${PROBLEMS}validation`);
      expect(problem.title).toBe('Request validation failed');
      expect(problem.errors).toEqual([{ field: 'body.lines.0.qty', message: 'must be >= 1' }]);
      expect(problem.detail).toBe('body.lines.0.qty must be >= 1');
    });

    it('say once which values a choice allows, and list them', () => {
      const problem = toProblem(validationError(Type.Object({ paymentMethod: choice(['wallet', 'cash']) }), { paymentMethod: 'card' }));
      expect(problem.errors).toEqual([{ field: 'body.paymentMethod', message: 'must be one of wallet, cash', allowed: ['wallet', 'cash'] }]);
      expect(problem.detail).toBe('body.paymentMethod must be one of wallet, cash');
    });

    it('name a missing property by its own path, not its parent', () => {
      const problem = toProblem(validationError(OrderBody, { lines: [{ sku: 'TS1001-BLK-M', qty: 1 }, { qty: 2 }] }));
      expect(problem.errors).toEqual([{ field: 'body.lines.1.sku', message: 'is required' }]);
    });

    it('name an unknown property and say it is not a known field', () => {
      const problem = toProblem(validationError(OrderBody, { lines: [{ sku: 'TS1001-BLK-M', qty: 1, colour: 'red' }], coupon: 'FREE' }));
      expect(problem.errors).toEqual(
        expect.arrayContaining([
          { field: 'body.lines.0.colour', message: 'is not a known field' },
          { field: 'body.coupon', message: 'is not a known field' },
        ]),
      );
      expect(problem.errors).toHaveLength(2);
    });

    it('list every failing field, and the detail reads them all', () => {
      const problem = toProblem(validationError(OrderBody, { lines: [{ sku: 'X', qty: 1000 }] }));
      expect(problem.errors?.map((e) => e.field).sort()).toEqual(['body.lines.0.qty', 'body.lines.0.sku']);
      expect(problem.detail).toContain('body.lines.0.sku ');
      expect(problem.detail).toContain('; ');
      expect(problem.detail).toContain('body.lines.0.qty ');
    });

    it('name a whole-body error after the body itself', () => {
      const problem = toProblem(validationError(OrderBody, { lines: [] }));
      expect(problem.errors).toEqual([{ field: 'body.lines', message: expect.stringContaining('fewer than 1') }]);
    });

    it.each([
      ['querystring', Type.Object({ limit: Type.Integer({ maximum: 200 }) }), { limit: 500 }, 'query.limit'],
      ['params', Type.Object({ id: Type.String({ minLength: 36 }) }), { id: 'short' }, 'path.id'],
      ['headers', Type.Object({ 'idempotency-key': Type.String() }, { required: ['idempotency-key'] }), {}, 'header.idempotency-key'],
    ])('name the request part for %s errors the way a client knows it', (context, schema, data, field) => {
      const problem = toProblem(validationError(schema, data, context));
      expect(problem.status).toBe(400);
      expect(problem.errors?.[0]?.field).toBe(field);
    });

    it('assume the body when Fastify gives no validation context', () => {
      const error = Object.assign(new Error('x'), { validation: [{ instancePath: '/name', keyword: 'type', message: 'must be string', params: {} }] });
      expect(toProblem(error).errors).toEqual([{ field: 'body.name', message: 'must be string' }]);
    });
  });

  describe('Fastify request errors', () => {
    it('a body over the limit is 413', () => {
      const problem = toProblem(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      expect(problem.status).toBe(413);
      expect(problem.type).toBe(`${PROBLEMS}body-too-large`);
    });

    it('a body that is not JSON is 400 malformed-json', () => {
      const problem = toProblem(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY());
      expect(problem.status).toBe(400);
      expect(problem.type).toBe(`${PROBLEMS}malformed-json`);
    });

    it('an unsupported content type is 415', () => {
      expect(toProblem(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/csv')).status).toBe(415);
    });

    it('an empty JSON body is a 400 validation problem', () => {
      const problem = toProblem(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY());
      expect(problem.status).toBe(400);
      expect(problem.type).toBe(`${PROBLEMS}validation`);
    });

    it('another client error keeps its 4xx status', () => {
      const problem = toProblem(Object.assign(new Error('Method Not Allowed'), { statusCode: 405 }));
      expect(problem.status).toBe(405);
      expect(problem.type).toBe(`${PROBLEMS}bad-request`);
    });
  });

  describe('unexpected errors', () => {
    const SECRET = 'connect ECONNREFUSED 10.0.0.7:5432 password=hunter2';

    it.each([
      ['an Error', new Error(SECRET)],
      ['a TypeError', new TypeError(SECRET)],
      ['an error claiming a 5xx status', Object.assign(new Error(SECRET), { statusCode: 503 })],
      ['an unknown error code', Object.assign(new Error(SECRET), { code: 'E_NOT_KNOWN' })],
      ['a thrown string', SECRET],
      ['a thrown plain object', { message: SECRET }],
    ])('%s becomes a 500 that leaks nothing of the original message', (_what, error) => {
      const problem = toProblem(error);
      expect(problem.status).toBe(500);
      expect(problem.type).toBe(`${PROBLEMS}internal`);
      expect(problem.detail).toBe('an unexpected error occurred; it has been logged');
      expect(JSON.stringify(problem.toBody('/orders'))).not.toContain('hunter2');
      expect(problem.message).not.toContain('hunter2');
    });
  });
});
