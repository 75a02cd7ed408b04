/**
 * The Omnishop kit: small pieces, each with one job, that together make a
 * service. A service's entry file calls `defineService`; a process calls
 * `createHttpServer` and runs `ServiceRuntime`s on it.
 */
export * from './context/index.js';
export * from './config/index.js';
export * from './log/index.js';
export * from './ring/index.js';
export * from './trace/index.js';
export * from './trace/view.js';
export * from './errors/index.js';
export * from './result/index.js';
export * from './schema/index.js';
export * from './auth/index.js';
export * from './auth/revocation.js';
export * from './audit/index.js';
export * from './db/index.js';
export * from './db/pagination.js';
export * from './events/envelope.js';
export * from './events/bus.js';
export * from './events/embedded-bus.js';
export * from './events/nats-bus.js';
export * from './events/relay.js';
export * from './events/consumer.js';
export * from './events/read-model.js';
export * from './events/tables.js';
export * from './transaction/index.js';
export * from './http-client/index.js';
export * from './http-client/peers.js';
export * from './idempotency/index.js';
export * from './jobs/index.js';
export * from './jobs/retention.js';
export * from './lifecycle/index.js';
export * from './service/route.js';
export * from './service/pipeline.js';
export * from './service/problems.js';
export * from './service/server.js';
export * from './service/runtime.js';
export * from './service/tables.js';
export * from './rate-limit/index.js';
export * from './service/openapi.js';
export * from './metrics/index.js';
export * from './metrics/http.js';
