import type { TSchema } from '@sinclair/typebox';
import type { EventDefinition } from '@omnishop/kit';

/** What the catalogue needs of a service: its name, what it emits, what it handles. */
export interface EventfulService {
  name: string;
  emits?: EventDefinition[];
  handlers?: { event: EventDefinition }[];
}

/** A field's type, in words a reader of the docs expects. */
function typeOf(schema: TSchema): string {
  if (schema.type === 'array') return `${typeOf(schema.items as TSchema)}[]`;
  if (schema.type === 'object') return 'object';
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (schema.anyOf) return (schema.anyOf as TSchema[]).map(typeOf).join(' \\| ');
  return String(schema.type ?? 'any');
}

function fields(schema: TSchema, prefix = ''): string[] {
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).flatMap(([name, prop]) => {
    const path = prefix + name;
    const row = `| \`${path}\` | ${typeOf(prop)} | ${required.has(name) ? 'yes' : 'no'} | ${prop.description ?? ''} |`;
    const inner = prop.type === 'array' ? (prop.items as TSchema) : prop;
    return inner.type === 'object' ? [row, ...fields(inner, `${path}${prop.type === 'array' ? '[]' : ''}.`)] : [row];
  });
}

/**
 * The event catalogue, generated from the services' own definitions: what
 * each emits (`emits`) and consumes (`handlers`). A test compares it with
 * docs/events.md, so the document cannot drift from the code.
 */
export function renderEventDocs(services: EventfulService[]): string {
  const events = new Map<string, { def: EventDefinition; emitters: string[]; consumers: string[] }>();
  const entry = (def: EventDefinition) => {
    const key = `${def.type} v${def.version}`;
    if (!events.has(key)) events.set(key, { def, emitters: [], consumers: [] });
    return events.get(key)!;
  };
  for (const s of services) {
    for (const def of s.emits ?? []) entry(def).emitters.push(s.name);
    for (const h of s.handlers ?? []) entry(h.event).consumers.push(s.name);
  }
  const out = [
    '# Events',
    '',
    'Generated from the code by `npm run docs`; a test fails when this file and the code disagree.',
    'Every event travels in the envelope `{ id, type, version, source, key, tenant, time, headers, data }`;',
    '`key` orders events (one key, one order), `headers.traceparent` carries the trace.',
    '',
    '| Event | Version | Emitted by | Consumed by |',
    '| --- | --- | --- | --- |',
    ...[...events.values()].map(
      (e) => `| [${e.def.type}](#${e.def.type.toLowerCase()}-v${e.def.version}) | ${e.def.version} | ${e.emitters.join(', ') || '—'} | ${e.consumers.join(', ') || '—'} |`,
    ),
  ];
  for (const e of events.values()) {
    out.push('', `## ${e.def.type} v${e.def.version}`, '', e.def.description, '');
    out.push(`Emitted by: ${e.emitters.join(', ') || '—'}. Consumed by: ${e.consumers.join(', ') || '—'}.`, '');
    out.push('| Field | Type | Required | Notes |', '| --- | --- | --- | --- |', ...fields(e.def.schema));
  }
  return out.join('\n') + '\n';
}
