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

/** HS256 tokens signed with one shared key; claims carry tenant, role and store. */
export function tokenAuthority(secret: string): TokenAuthority {
  const key = new TextEncoder().encode(secret);
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, requiredClaims: ['exp', 'sub'] });
        const role = payload.role as Role;
        if (!payload.sub || typeof payload.tenant !== 'string' || !payload.tenant || !ROLES.includes(role)) {
          throw unauthorized('token lacks sub, tenant or a known role');
        }
        const principal: Principal = { subject: payload.sub, tenant: payload.tenant, role };
        if (typeof payload.store === 'string') principal.store = payload.store;
        return principal;
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) throw unauthorized('token expired');
        if (e instanceof joseErrors.JWTClaimValidationFailed) throw unauthorized(`token ${e.claim} claim missing or invalid`);
        if (e instanceof joseErrors.JOSEError) throw unauthorized('token invalid');
        throw e;
      }
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
