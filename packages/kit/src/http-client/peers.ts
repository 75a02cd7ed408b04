import { request } from 'undici';

/**
 * What the other threads and processes of a platform keep in memory (recent
 * spans, behaviour records), asked for at `path` on each of `peers` with the
 * caller's own token, each answering `{ [field]: T[] }` of its own only. A
 * peer that does not answer, or refuses, is left out.
 */
export async function fromPeers<T>(peers: readonly string[], path: string, field: string, authorization: string | undefined): Promise<T[]> {
  const answers = await Promise.all(
    peers.map(async (base) => {
      try {
        const res = await request(`${base}${path}`, { headers: authorization ? { authorization } : {} });
        if (res.statusCode !== 200) return (await res.body.dump(), []);
        return ((await res.body.json()) as Record<string, T[]>)[field] ?? [];
      } catch {
        return [];
      }
    }),
  );
  return answers.flat();
}
