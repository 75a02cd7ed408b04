import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { fuzzRequest, type FuzzRequest, type FuzzTokens } from './requests.js';
import type { LiveRoute } from './routes.js';

export interface FuzzOptions {
  /** Where the platform listens, e.g. http://127.0.0.1:40123 */
  url: string;
  routes: LiveRoute[];
  tokens: FuzzTokens;
  count: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** A request unanswered after this long is a hang. */
  timeoutMs?: number;
  /** Whether the API document lists this status for the request's operation (see documented.ts); an answer it does not is a finding. */
  promises?: (answer: { method: string; path: string; status: number }) => boolean;
}

/** A request whose answer broke a rule: a 5xx, a 4xx that is not a problem, no answer in time, a status the API document does not list. */
export interface FuzzFinding {
  request: FuzzRequest;
  status: number | 'timeout' | 'connection error';
  contentType?: string;
  body: string;
}

export interface FuzzReport {
  requests: number;
  seed: number;
  elapsedMs: number;
  requestsPerSec: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  findings: FuzzFinding[];
}

interface Answer {
  status: number | 'timeout' | 'connection error';
  contentType?: string;
  body: string;
}

/** Sends one request as it is (no client-side normalisation of the path), over a kept-alive socket. */
function send(base: URL, agent: Agent, req: FuzzRequest, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const outgoing = httpRequest({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8').slice(0, 500) });
      });
      res.on('error', () => resolve({ status: 'connection error', body: '' }));
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      resolve({ status: 'timeout', body: '' });
    }, timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: 'connection error', body: error.message });
    });
    outgoing.end(req.body);
  });
}

/** What every answer must be: no 5xx, every refusal a problem, and an answer at all. */
function broken(answer: Answer): boolean {
  if (typeof answer.status !== 'number') return true;
  if (answer.status >= 500) return true;
  return answer.status >= 400 && !answer.contentType?.startsWith('application/problem+json');
}

/**
 * Sends `count` generated requests (the same ones for the same seed) to a
 * running platform, `concurrency` at a time, and reports every answer that
 * broke a rule. Generation is in chunks, so a long run holds little memory.
 */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const { count, seed, concurrency = 8, timeoutMs = 15_000 } = opts;
  const base = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const arbitrary = fuzzRequest(opts.routes, opts.tokens);
  const report: FuzzReport = { requests: 0, seed, elapsedMs: 0, requestsPerSec: 0, byStatus: {}, byKind: {}, findings: [] };
  const started = performance.now();
  const CHUNK = 500;
  try {
    for (let done = 0, chunk = 0; done < count; done += CHUNK, chunk++) {
      const batch = fc.sample(arbitrary, { seed: seed + chunk, numRuns: Math.min(CHUNK, count - done) });
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const req = batch[next++]!;
          const answer = await send(base, agent, req, timeoutMs);
          report.requests++;
          report.byStatus[String(answer.status)] = (report.byStatus[String(answer.status)] ?? 0) + 1;
          report.byKind[req.kind] = (report.byKind[req.kind] ?? 0) + 1;
          const unlisted = typeof answer.status === 'number' && opts.promises?.({ method: req.method, path: req.path, status: answer.status }) === false;
          if (broken(answer) || unlisted) report.findings.push({ request: { ...req, body: req.body?.slice(0, 300) }, ...answer });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
  } finally {
    agent.destroy();
  }
  report.elapsedMs = Math.round(performance.now() - started);
  report.requestsPerSec = Math.round((report.requests / report.elapsedMs) * 1000 * 10) / 10;
  return report;
}

/** One line per finding, short enough to read in a test failure; the seed reproduces the rest. */
export function describeFindings(findings: FuzzFinding[]): string[] {
  return findings.map((f) => `${f.status} (${f.request.kind}) ${f.request.method} ${f.request.path.slice(0, 120)} → ${f.contentType ?? 'no content type'} ${f.body.slice(0, 200)}`);
}
