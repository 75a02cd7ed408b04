import { Webhook } from 'standardwebhooks';

/** The headers of a delivery, as the Standard Webhooks spec names them. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs a delivery the Standard Webhooks way: HMAC-SHA256 over
 * `<id>.<timestamp>.<body>` with each secret, `v1,<base64>` each, space
 * separated (two during a rotation's overlap). The receiver checks one of them
 * with its secret, and the timestamp against its clock (a replayed request is
 * old); the id, the same on every retry of one event, lets it drop duplicates.
 */
export function signedHeaders(id: string, at: Date, body: string, secrets: readonly string[]): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  };
}
