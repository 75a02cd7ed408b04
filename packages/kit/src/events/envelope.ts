import { newId } from '../db/ids.js';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/**
 * An event type: past-tense name, version, the schema of its data and a
 * sentence saying when it happens. The definition is the documentation.
 */
export interface EventDefinition<S extends TSchema = TSchema> {
  type: string;
  version: number;
  description: string;
  schema: S;
  check: TypeCheck<S>;
}

export function defineEvent<S extends TSchema>(type: string, version: number, description: string, schema: S): EventDefinition<S> {
  return { type, version, description, schema, check: TypeCompiler.Compile(schema) };
}

/** What travels on the bus. `key` orders events: events with one key are handled in the order emitted. */
export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  version: number;
  source: string;
  key: string;
  tenant: string;
  time: string;
  /** W3C trace context (`traceparent`) and anything else that rides along. */
  headers: Record<string, string>;
  data: T;
}

export interface EnvelopeFields<S extends TSchema> {
  source: string;
  key: string;
  tenant: string;
  data: Static<S>;
  traceparent?: string | undefined;
}

export function createEnvelope<S extends TSchema>(def: EventDefinition<S>, f: EnvelopeFields<S>): EventEnvelope<Static<S>> {
  if (!def.check.Check(f.data)) {
    const first = [...def.check.Errors(f.data)][0];
    throw new Error(`${def.type} v${def.version} data invalid at ${first?.path || '/'}: ${first?.message}`);
  }
  return {
    id: newId(),
    type: def.type,
    version: def.version,
    source: f.source,
    key: f.key,
    tenant: f.tenant,
    time: new Date().toISOString(),
    headers: f.traceparent ? { traceparent: f.traceparent } : {},
    data: f.data,
  };
}
