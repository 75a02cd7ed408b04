/**
 * Signing keys with ids. The first key of a set signs; every key verifies
 * tokens that name it in their `kid` header. Rotation without downtime: put a
 * new key first (it signs from now on, the old one still verifies), and remove
 * the old key once the tokens it signed have expired.
 */
export interface SigningKey {
  kid: string;
  secret: string;
}

/** The id a single `JWT_SECRET` signs under. */
export const DEFAULT_KID = 'k0';

export const MIN_SECRET_LENGTH = 32;

const KID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Reads `kid:secret,kid2:secret2` (a secret may hold `:` but not `,`).
 * Throws a message naming what is wrong, never the secret itself.
 */
export function parseSigningKeys(text: string): SigningKey[] {
  const keys = text.split(',').map((entry, i) => {
    const at = entry.indexOf(':');
    const kid = at < 0 ? '' : entry.slice(0, at).trim();
    const secret = at < 0 ? '' : entry.slice(at + 1).trim();
    if (!KID.test(kid)) throw new Error(`key ${i + 1}: must be kid:secret with a kid of letters, digits, ".", "_" or "-"`);
    if (secret.length < MIN_SECRET_LENGTH) throw new Error(`key ${kid}: secret must be at least ${MIN_SECRET_LENGTH} characters`);
    return { kid, secret };
  });
  const kids = keys.map((k) => k.kid);
  const repeated = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (repeated) throw new Error(`key ${repeated}: appears twice`);
  return keys;
}
