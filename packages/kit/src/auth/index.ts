import { createSecretKey } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { unauthorized } from '../errors/index.js';

export const ROLES = ['customer', 'clerk', 'store_manager', 'brand_admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: taken from a verified token, never from the request body. */
export interface Principal {
  subject: string;
  /** The brand (tenant) the caller belongs to. */
  tenant: string;
  role: Role;
  /** The store a clerk or store manager works at. */
  store?: string;
}

export const ISSUER = 'omnishop';

export interface TokenAuthority {
  verify(token: string): Promise<Principal>;
  mint(principal: Principal, ttlSeconds?: number): Promise<string>;
}

/** How long a verified token is remembered: a bound on how late a revocation is noticed. */
const REMEMBER_MS = 30_000;
const REMEMBER_MAX = 10_000;

/**
 * HS256 tokens signed with one shared key; claims carry tenant, role and store.
 * Verified tokens are remembered briefly (never past their expiry): a client
 * sends the same token with every request, and checking its HMAC every time
 * was the largest single cost in the request pipeline.
 */
export function tokenAuthority(secret: string): TokenAuthority {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const remembered = new Map<string, { principal: Principal; until: number }>();

  async function verifySignature(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, requiredClaims: ['exp', 'sub'] });
      const role = payload.role as Role;
      if (!payload.sub || typeof payload.tenant !== 'string' || !payload.tenant || !ROLES.includes(role)) {
        throw unauthorized('token lacks sub, tenant or a known role');
      }
      const principal: Principal = { subject: payload.sub, tenant: payload.tenant, role };
      if (typeof payload.store === 'string') principal.store = payload.store;
      return { principal, expiresAt: (payload.exp ?? 0) * 1000 };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw unauthorized('token expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed) throw unauthorized(`token ${e.claim} claim missing or invalid`);
      if (e instanceof joseErrors.JOSEError) throw unauthorized('token invalid');
      throw e;
    }
  }

  return {
    async verify(token) {
      const known = remembered.get(token);
      if (known && known.until > Date.now()) return known.principal;
      const verified = await verifySignature(token);
      if (remembered.size >= REMEMBER_MAX) remembered.clear();
      remembered.set(token, { principal: verified.principal, until: Math.min(verified.expiresAt, Date.now() + REMEMBER_MS) });
      return verified.principal;
    },
    async mint(p, ttlSeconds = 3600) {
      return new SignJWT({ tenant: p.tenant, role: p.role, ...(p.store ? { store: p.store } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(p.subject)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key);
    },
  };
}
