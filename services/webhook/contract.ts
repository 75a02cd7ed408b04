import type { EventDefinition } from '@omnishop/kit';

/**
 * The webhook service's public face. It sends the brand's events to the
 * brand's own endpoints (see index.ts) and emits none of its own on the bus.
 */
export const webhookEvents: EventDefinition[] = [];
