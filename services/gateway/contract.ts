import { AccessRevoked } from '@omnishop/kit';

/** The gateway tells every service whose tokens to refuse; the event lives in the kit because every runtime handles it. */
export const gatewayEvents = [AccessRevoked];
