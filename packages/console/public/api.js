// The platform's own HTTP API, as the signed-in user: a bearer token, refreshed once when it has expired.
const KEY = 'omnishop.console.session';

/** A refusal of the API, with the problem's words and the fields it names. */
export class ApiError extends Error {
  constructor(status, problem) {
    const fields = (problem?.errors ?? []).map((e) => `${e.field}: ${e.message}`);
    super([problem?.detail ?? problem?.title ?? `HTTP ${status}`, ...fields].join('; '));
    this.status = status;
    this.problem = problem;
  }
}

const claimsOf = (token) => JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));

export const session = {
  get() {
    const saved = sessionStorage.getItem(KEY);
    return saved ? JSON.parse(saved) : undefined;
  },
  set(tenant, username, tokens) {
    const c = claimsOf(tokens.accessToken);
    const s = { tenant, username, role: c.role, store: c.store, subject: c.sub, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    sessionStorage.setItem(KEY, JSON.stringify(s));
    return s;
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

async function send(method, path, { body, idempotent, token } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotent) headers['idempotency-key'] = idempotent === true ? crypto.randomUUID() : idempotent;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  return { status: res.status, body: parsed };
}

export async function signIn(tenant, username, password) {
  const res = await send('POST', '/api/auth/token', { body: { tenant, username, password } });
  if (res.status !== 200) throw new ApiError(res.status, res.body);
  return session.set(tenant, username, res.body);
}

export async function signOut() {
  const s = session.get();
  session.clear();
  if (s) await send('POST', '/api/auth/signout', { token: s.accessToken }).catch(() => undefined);
}

async function refreshed(s) {
  const res = await send('POST', '/api/auth/refresh', { body: { refreshToken: s.refreshToken } });
  if (res.status !== 200) return undefined;
  return session.set(s.tenant, s.username, res.body);
}

/**
 * `idempotent`: a creating POST; true for a fresh key, or a key of the caller's
 * (the same action asked again, after a lost answer, happens once).
 */
export async function api(method, path, opts = {}) {
  let s = session.get();
  let res = await send(method, path, { ...opts, token: s?.accessToken });
  if (res.status === 401 && s && (s = await refreshed(s))) res = await send(method, path, { ...opts, token: s.accessToken });
  if (res.status >= 400) throw new ApiError(res.status, res.body);
  return res.body;
}

export const money = (minor, currency = 'CNY') => new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);
export const when = (iso) => new Date(iso).toLocaleString('en-GB', { hour12: false });
