import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { behaviourLog, createLogger } from '../src/index.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('log', () => {
  it('never writes a password, token, secret or authorization header', () => {
    const { logger, lines } = capture();
    logger.info({ password: 'hunter2', user: { password: 'p', token: 't' }, req: { headers: { authorization: 'Bearer abc' } }, jwtSecret: 's' }, 'login');
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2', '"p"', '"t"', 'Bearer abc', '"s"']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('finds secrets deeper down and inside lists, and leaves the logged object itself as it was', () => {
    const { logger, lines } = capture();
    const logged = { job: { users: [{ name: 'ann', credentials: { password: 'deep-secret' } }] }, cookie: 'c=1' };
    logger.info(logged, 'import');
    expect(JSON.stringify(lines)).not.toMatch(/deep-secret|c=1/);
    expect(lines[0]).toMatchObject({ job: { users: [{ name: 'ann', credentials: { password: '[redacted]' } }] }, cookie: '[redacted]' });
    expect(logged.job.users[0]!.credentials.password).toBe('deep-secret');
  });

  it('writes one behaviour record with who, what, status and latency; failures at error level', () => {
    const { logger, lines } = capture();
    const base = { service: 'order', kind: 'request' as const, action: 'POST /api/orders', tenant: 'acme', principal: 'alice', role: 'customer', latencyMs: 3, requestId: 'r1', traceId: 't1' };
    behaviourLog(logger, { ...base, status: 201 });
    behaviourLog(logger, { ...base, status: 500 });
    behaviourLog(logger, { ...base, kind: 'event', action: 'OrderPlaced', status: 'dead-letter' });
    expect(lines.map((l) => l.level)).toEqual([30, 50, 50]);
    expect(lines[0]).toMatchObject({ behaviour: { ...base, status: 201 } });
  });
});
