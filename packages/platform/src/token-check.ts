import type { Role } from '@omnishop/kit';

/** What the running platform says about the brand and store a token is asked for; undefined where it could not be asked. */
export interface TokenFacts {
  role: Role;
  tenant: string;
  store?: string;
  url: string;
  /** Whether the brand has a profile (GET /api/catalog/brand). */
  brandKnown?: boolean;
  /** The store's status (GET /api/stores/{code}), or unknown when there is no such store. */
  storeStatus?: 'active' | 'closed' | 'unknown';
}

export interface TokenVerdict {
  /** Why no token is minted: a token for a store that does not take staff is of no use. */
  refusal?: string;
  warnings: string[];
}

const AT_STORE: readonly Role[] = ['clerk', 'store_manager'];

/**
 * Whether a token for this brand, role and store makes sense. A brand without
 * a profile is only warned about (its first admin needs a token to create
 * it); store staff of a store that does not exist or is closed are refused.
 */
export function judgeToken(f: TokenFacts): TokenVerdict {
  const warnings: string[] = [];
  const where = `the platform at ${f.url}`;
  if (f.brandKnown === undefined) warnings.push(`could not reach ${where} to check brand "${f.tenant}"${f.store ? ` and store "${f.store}"` : ''}; the token is minted unchecked (--url to point elsewhere)`);
  else if (!f.brandKnown) warnings.push(`brand "${f.tenant}" has no profile on ${where} (nothing was set up for it; a brand admin creates it with PUT /api/catalog/brand)`);
  if (AT_STORE.includes(f.role) && !f.store) warnings.push(`a ${f.role} token without --store acts for no store: till sales, stock and fulfilment will refuse it`);
  if (!AT_STORE.includes(f.role) && f.store) warnings.push(`--store is only for clerks and store managers; a ${f.role} ignores it`);
  if (f.store && AT_STORE.includes(f.role) && f.storeStatus === 'unknown') return { refusal: `store "${f.store}" does not exist in brand "${f.tenant}" on ${where} (open it with POST /api/stores, or pass --force)`, warnings };
  if (f.store && AT_STORE.includes(f.role) && f.storeStatus === 'closed') return { refusal: `store "${f.store}" of brand "${f.tenant}" is closed (pass --force to mint anyway)`, warnings };
  return { warnings };
}
