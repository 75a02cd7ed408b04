import { parseArgs } from 'node:util';
import { PLATFORM_TENANT, tokenAuthority } from '@omnishop/kit';
import { loadPlatformConfig, signingKeys } from './config.js';

export const OPS_HELP = `Operator commands, against a running platform (embedded, or a distributed one through its gateway):
  npm run -s cli -- ops events [--service NAME]...            consumer lag, outbox backlog and dead letters per service
  npm run -s cli -- ops dead-letters --service NAME            the service's dead letters (every brand's)
  npm run -s cli -- ops replay-dead-letter --service NAME --id ID
  npm run -s cli -- ops rebuild --service NAME --read-model MODEL [--from ISO-TIME]
                                                               empty a read model and refill it by replaying the events
                                                               the bus keeps (from --from on), in a consumer of its own
  Options: --url (default http://HOST:PORT), --json (the API's answers as JSON lines). Without --service,
  events covers the services GET /api lists (a gateway lists only itself: name the services it forwards to).
  The commands sign a platform operator's token with the configured key, as the token command does.`;

interface Flow {
  service: string;
  group: string;
  lag: number;
  outboxBacklog: number;
  deadLetters: number;
  readModels: { name: string }[];
}

/** The event flow of each service as a table an operator reads at a glance. */
export function flowTable(flows: readonly Flow[]): string {
  const rows = [['service', 'group', 'lag', 'outbox', 'dead letters', 'read models'], ...flows.map((f) => [f.service, f.group, String(f.lag), String(f.outboxBacklog), String(f.deadLetters), f.readModels.map((m) => m.name).join(',') || '-'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export async function ops(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      service: { type: 'string', multiple: true },
      id: { type: 'string' },
      'read-model': { type: 'string' },
      from: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const config = loadPlatformConfig();
  const url = values.url ?? `http://${config.host}:${config.port}`;
  const token = await tokenAuthority(signingKeys(config)).mint({ subject: 'cli-operator', tenant: PLATFORM_TENANT, role: 'operator' }, 300);
  const call = async (method: string, path: string) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(600_000) });
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body!;
  };
  // A service's API lives under its prefix (/api/orders for order): GET /api names them.
  const index = (await call('GET', '/api')) as { services: { name: string; api: string }[] };
  const prefix = (name: string) => index.services.find((s) => s.name === name)?.api ?? `/api/${name}`;
  const one = () => {
    const [service, ...more] = values.service ?? [];
    if (!service || more.length) throw new Error(`${command} needs one --service`);
    return prefix(service);
  };
  const print = (body: unknown, text: string) => console.log(values.json ? JSON.stringify(body) : text);
  switch (command) {
    case 'events': {
      const names = values.service ?? index.services.map((s) => s.name);
      const flows = await Promise.all(names.map(async (n) => (await call('GET', `${prefix(n)}/admin/events`)) as unknown as Flow));
      print(flows, flowTable(flows));
      return 0;
    }
    case 'dead-letters': {
      const items: unknown[] = [];
      for (let after: string | null = ''; after !== null; ) {
        const page = (await call('GET', `${one()}/admin/dead-letters?limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`)) as { items: unknown[]; nextAfter: string | null };
        items.push(...page.items);
        after = page.nextAfter;
      }
      print(items, items.map((d) => JSON.stringify(d)).join('\n') || 'no dead letters');
      return 0;
    }
    case 'replay-dead-letter': {
      if (!values.id) throw new Error('replay-dead-letter needs --id');
      const body = await call('POST', `${one()}/admin/dead-letters/${encodeURIComponent(values.id)}/replay`);
      print(body, body.handled ? `${values.id}: handled` : `${values.id}: failed again; still a dead letter`);
      return 0;
    }
    case 'rebuild': {
      const model = values['read-model'];
      if (!model) throw new Error('rebuild needs --read-model');
      const body = await call('POST', `${one()}/admin/read-models/${encodeURIComponent(model)}/rebuild${values.from ? `?from=${encodeURIComponent(values.from)}` : ''}`);
      print(body, `${model}: rebuilt from ${String(body.replayed)} events published since ${String(body.from)}`);
      return 0;
    }
    default:
      console.error(OPS_HELP);
      return 2;
  }
}
