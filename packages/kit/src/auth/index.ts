import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTHeaderParameters } from 'jose';
import { unauthorized } from '../errors/index.js';
import { DEFAULT_KID, type SigningKey } from './keys.js';

export * from './keys.js';

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

/** The one algorithm tokens are signed and verified with: a token naming any other (none, RS256, ...) is refused. */
export const ALGORITHM = 'HS256';

/** "Subject S of tenant T: tokens issued before `before` are refused." */
export interface Revocation {
  tenant: string;
  subject: string;
  before: Date;
}

export interface TokenAuthority {
  verify(token: string): Promise<Principal>;
  mint(principal: Principal, ttlSeconds?: number): Promise<string>;
  /** From now on refuses the subject's tokens issued before the given instant; a later instant wins. */
  revoke(revocation: Revocation): void;
}

/** How long a verified token is remembered: a bound on how long its signature goes unchecked. */
const REMEMBER_MS = 30_000;
const REMEMBER_MAX = 10_000;

interface Verified {
  principal: Principal;
  issuedAtMs: number;
  expiresAt: number;
}

const revocationKey = (tenant: string, subject: string) => `${tenant}\n${subject}`;

/**
 * HS256 tokens signed with the first of a set of keys (`kid` in the header),
 * verified with whichever key they name; claims carry tenant, role and store.
 * `secret` alone is one key under the default kid. Verified tokens are
 * remembered briefly (never past their expiry): a client sends the same token
 * with every request, and checking its HMAC every time was the largest single
 * cost in the request pipeline. Revocations are checked on every call,
 * remembered token or not, so a revoked subject is refused at once.
 */
export function tokenAuthority(keys: string | readonly SigningKey[]): TokenAuthority {
  const keySet: readonly SigningKey[] = typeof keys === 'string' ? [{ kid: DEFAULT_KID, secret: keys }] : keys;
  const signer = keySet[0];
  if (!signer) throw new Error('tokenAuthority needs at least one signing key');
  const byKid = new Map<string, KeyObject>(keySet.map((k) => [k.kid, createSecretKey(Buffer.from(k.secret, 'utf8'))]));
  const signingKey = byKid.get(signer.kid)!;
  const remembered = new Map<string, Verified & { until: number }>();
  const revokedBefore = new Map<string, number>();

  function keyFor(header: JWTHeaderParameters): KeyObject {
    if (!header.kid) throw unauthorized('token names no signing key (kid)');
    const key = byKid.get(header.kid);
    if (!key) throw unauthorized('token signed with an unknown key');
    return key;
  }

  async function verifySignature(token: string): Promise<Verified> {
    try {
      const { payload } = await jwtVerify(token, keyFor, { algorithms: [ALGORITHM], issuer: ISSUER, requiredClaims: ['exp', 'sub', 'iat'] });
      const role = payload.role as Role;
      if (!payload.sub || typeof payload.tenant !== 'string' || !payload.tenant || !ROLES.includes(role)) {
        throw unauthorized('token lacks sub, tenant or a known role');
      }
      const principal: Principal = { subject: payload.sub, tenant: payload.tenant, role };
      if (typeof payload.store === 'string') principal.store = payload.store;
      return { principal, issuedAtMs: Math.round((payload.iat ?? 0) * 1000), expiresAt: (payload.exp ?? 0) * 1000 };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw unauthorized('token expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed) throw unauthorized(`token ${e.claim} claim missing or invalid`);
      if (e instanceof joseErrors.JOSEAlgNotAllowed) throw unauthorized(`token algorithm not accepted (only ${ALGORITHM})`);
      if (e instanceof joseErrors.JOSEError) throw unauthorized('token invalid');
      throw e;
    }
  }

  function refuseRevoked(v: Verified): Principal {
    const before = revokedBefore.get(revocationKey(v.principal.tenant, v.principal.subject));
    if (before !== undefined && v.issuedAtMs < before) throw unauthorized('token revoked');
    return v.principal;
  }

  return {
    async verify(token) {
      const known = remembered.get(token);
      if (known && known.until > Date.now()) return refuseRevoked(known);
      const verified = await verifySignature(token);
      if (remembered.size >= REMEMBER_MAX) remembered.clear();
      remembered.set(token, { ...verified, until: Math.min(verified.expiresAt, Date.now() + REMEMBER_MS) });
      return refuseRevoked(verified);
    },
    async mint(p, ttlSeconds = 3600) {
      // iat to the millisecond, so a revocation refuses exactly the tokens issued before it.
      const now = Date.now();
      return new SignJWT({ tenant: p.tenant, role: p.role, ...(p.store ? { store: p.store } : {}), iat: now / 1000 })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: signer.kid })
        .setSubject(p.subject)
        .setIssuer(ISSUER)
        .setJti(randomUUID())
        .setExpirationTime(Math.round(now / 1000 + ttlSeconds))
        .sign(signingKey);
    },
    revoke({ tenant, subject, before }) {
      const key = revocationKey(tenant, subject);
      revokedBefore.set(key, Math.max(before.getTime(), revokedBefore.get(key) ?? 0));
    },
  };
}
