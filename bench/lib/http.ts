import { randomUUID } from 'node:crypto';

export interface Reply<T> {
  status: number;
  body: T;
}

const MAX_REFUSALS = 50;

/**
 * The bench's own calls to the platform (setup, reading orders back): a POST
 * carries a fresh Idempotency-Key, kept for its retries; a 503 with
 * Retry-After (refused for load) is asked again shortly, as a client should;
 * a body that is not JSON comes back as its text.
 */
export function benchClient(base: string) {
  return async <T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<Reply<T>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = randomUUID();
    }
    for (let refusals = 0; ; refusals++) {
      const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.status === 503 && res.headers.has('retry-after') && refusals < MAX_REFUSALS) {
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
        continue;
      }
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // keep the text
      }
      return { status: res.status, body: parsed as T };
    }
  };
}
