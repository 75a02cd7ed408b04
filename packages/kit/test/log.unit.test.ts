import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { behaviourLog, chooseLogFormat, createLogger, humanReadableLog, logStream } from '../src/index.js';

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
  it('says which process wrote each record, and the port once it is set', () => {
    const { logger, lines } = capture();
    logger.setBindings({ port: 8081 });
    logger.info('started');
    expect(lines[0]).toMatchObject({ pid: process.pid, hostname: expect.any(String), port: 8081, msg: 'started' });
  });

  it('stamps each record with the time it was written, as ISO 8601 to the millisecond', () => {
    const { logger, lines } = capture();
    const before = Date.now();
    logger.info('one');
    logger.info('two');
    const after = Date.now();
    for (const line of lines) {
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const at = Date.parse(line.time as string);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
    }
  });

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

  it('writes one behaviour record with who, what, status and latency; failures at error level, a refusal (503) a warning', () => {
    const { logger, lines } = capture();
    const base = { service: 'order', kind: 'request' as const, action: 'POST /api/orders', tenant: 'acme', principal: 'alice', role: 'customer', latencyMs: 3, requestId: 'r1', traceId: 't1' };
    behaviourLog(logger, { ...base, status: 201 });
    behaviourLog(logger, { ...base, status: 500 });
    behaviourLog(logger, { ...base, kind: 'event', action: 'OrderPlaced', status: 'dead-letter' });
    behaviourLog(logger, { ...base, action: 'GET /health/ready', status: 503 });
    expect(lines.map((l) => l.level)).toEqual([30, 50, 50, 40]);
    expect(lines[0]).toMatchObject({ behaviour: { ...base, status: 201 } });
  });
});

describe('a log written in the background', () => {
  it('has every line, whole and in order, once flushed, whatever characters they hold', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnishop-log-'));
    try {
      const file = join(dir, 'platform.log');
      const { destination, flush } = logStream(file);
      const logger = createLogger({ level: 'info', destination });
      for (let n = 0; n < 5000; n++) logger.info({ n, note: n % 2 ? 'Größe 38 – 淡蓝色' : 'plain' }, 'line');
      flush();
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { n: number; note: string });
      expect(lines.map((l) => l.n)).toEqual([...Array(5000).keys()]);
      expect(lines[1]!.note).toBe('Größe 38 – 淡蓝色');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a log for a person', () => {
  const behaviour = { service: 'order', kind: 'request' as const, action: 'POST /api/orders', tenant: 'acme', latencyMs: 3, requestId: 'r1' };

  it('prints records as lines a person reads, and keeps the routine behaviour records in their own file as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnishop-log-'));
    const printed: string[] = [];
    const file = join(dir, 'behaviour.log');
    const logger = createLogger({ level: 'info', destination: humanReadableLog({ behaviourFile: file, console: { write: (text: string) => printed.push(text) } }) });
    logger.warn({ group: 'order' }, 'delivery failed; will retry');
    behaviourLog(logger, { ...behaviour, status: 201 });
    behaviourLog(logger, { ...behaviour, status: 500 });
    const console = printed.join('');
    expect(console).toContain('WARN');
    expect(console).toContain('delivery failed; will retry');
    expect(console).not.toMatch(/^\{/m);
    expect(printed).toHaveLength(2); // the warning and the failed request; not the routine 201
    const kept = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { behaviour: { status: number } });
    expect(kept.map((r) => r.behaviour.status)).toEqual([201]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is chosen for a terminal in development, JSON lines otherwise, unless a format is set', () => {
    expect(chooseLogFormat('auto', { tty: true, production: false })).toBe('pretty');
    expect(chooseLogFormat('auto', { tty: false, production: false })).toBe('json');
    expect(chooseLogFormat('auto', { tty: true, production: true })).toBe('json');
    expect(chooseLogFormat('json', { tty: true, production: false })).toBe('json');
    expect(chooseLogFormat('pretty', { tty: false, production: true })).toBe('pretty');
  });
});
