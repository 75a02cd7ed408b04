import type { OpenApiDocument } from '@omnishop/kit';

/** One answer a test got: what it asked, and the status. */
export interface Answer {
  method: string;
  path: string;
  status: number;
}

/** What Node's HTTP parser answers before any route is chosen: no operation's (see problems.ts). */
const BEFORE_ROUTING = new Set([408, 431]);

/**
 * What an API document promises about answers: `promises(answer)` is false for
 * a status the answering operation does not list (a 5xx: when it lists no
 * `default`). An answer no operation gives (an unknown path, a method no route
 * takes, HEAD; the parser's 408 and 431) is promised by nobody, so true.
 */
export function promisedAnswers(doc: OpenApiDocument): { promises(answer: Answer): boolean; operation(method: string, path: string): string | undefined } {
  // Literal paths before templated ones: /api/stores/nearest is not /api/stores/{code}.
  const templates = Object.entries(doc.paths)
    .map(([path, operations]) => ({
      path,
      operations,
      params: (path.match(/\{/g) ?? []).length,
      pattern: new RegExp(`^${path.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }))
    .sort((a, b) => a.params - b.params);
  const find = (method: string, path: string) => {
    const bare = path.split('?')[0]!.replace(/(.)\/+$/, '$1');
    const template = templates.find((t) => t.pattern.test(bare) && t.operations[method.toLowerCase()]);
    return template && { path: template.path, operation: template.operations[method.toLowerCase()]! };
  };
  return {
    operation: (method, path) => {
      const found = find(method, path);
      return found && `${method.toUpperCase()} ${found.path}`;
    },
    promises: ({ method, path, status }) => {
      const found = find(method, path);
      if (!found || BEFORE_ROUTING.has(status)) return true;
      const responses = found.operation.responses;
      return String(status) in responses || (status >= 500 && 'default' in responses);
    },
  };
}

/** The answers `doc` does not promise, each once, as `POST /api/orders/{id}/cancel → 418`. */
export function unpromised(doc: OpenApiDocument, answers: Iterable<Answer>): string[] {
  const promised = promisedAnswers(doc);
  const found = new Set<string>();
  for (const answer of answers) if (!promised.promises(answer)) found.add(`${promised.operation(answer.method, answer.path)} → ${answer.status}`);
  return [...found].sort();
}
