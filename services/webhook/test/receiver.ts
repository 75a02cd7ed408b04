import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What an endpoint got: the delivery's id and body, and whether its signature held under the endpoint's secret then. */
export interface Received {
  id: string;
  body: { type: string; key: string; data: Record<string, unknown> };
  valid: boolean;
  /** The secrets it verified under. */
  verifiedBy: string[];
}

/** How the endpoint answers a request: the `attempt`-th (1 first) of the `delivery`-th delivery it sees (1 first): a status, after a delay. */
export type Behaviour = (request: { delivery: number; attempt: number }) => { status: number; delayMs?: number };

/** A brand's endpoint for a test: it records every request and answers as `behave` says. */
export interface Receiver {
  url: string;
  received: Received[];
  /** The secrets it checks signatures with (any one verifying is valid). */
  secrets: string[];
  behave: Behaviour;
  /** The first arrival of each delivery, in arrival order. */
  firstArrivals(): Received[];
  close(): Promise<void>;
}

const body = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

export async function startReceiver(behave: Behaviour = () => ({ status: 204 })): Promise<Receiver> {
  const seen: string[] = [];
  const receiver: Receiver = {
    url: '',
    received: [],
    secrets: [],
    behave,
    firstArrivals: () => receiver.received.filter((r, i) => receiver.received.findIndex((o) => o.id === r.id) === i),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    void body(req).then((text) => {
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      const verifiedBy = receiver.secrets.filter((s) => {
        try {
          new Webhook(s).verify(text, headers);
          return true;
        } catch {
          return false;
        }
      });
      const id = headers['webhook-id'];
      if (!seen.includes(id)) seen.push(id);
      const attempt = receiver.received.filter((r) => r.id === id).length + 1;
      receiver.received.push({ id, body: JSON.parse(text) as Received['body'], valid: verifiedBy.length > 0, verifiedBy });
      const answer = receiver.behave({ delivery: seen.indexOf(id) + 1, attempt });
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(answer.status).end();
      }, answer.delayMs ?? 0);
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
