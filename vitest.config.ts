import { defineConfig } from 'vitest/config';

const integration = {
  pool: 'forks' as const,
  testTimeout: 120_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.unit.test.ts', 'services/*/test/**/*.unit.test.ts', 'bench/double11/test/*.unit.test.ts'],
        },
      },
      {
        // The real API over real HTTP, on SQLite and the embedded bus.
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.int.test.ts', 'services/*/test/**/*.int.test.ts', 'bench/peers/test/*.int.test.ts', 'bench/double11/test/*.int.test.ts'],
          exclude: ['packages/platform/test/distributed.int.test.ts', 'packages/platform/test/cluster.int.test.ts', 'packages/kit/test/jobs.int.test.ts', 'packages/kit/test/relay-replicas.int.test.ts', 'packages/kit/test/postgres-client.int.test.ts'],
          ...integration,
        },
      },
      {
        // The same flows on PostgreSQL (a fresh database per test platform on this server), and
        // distributed mode: one process per service on PostgreSQL and NATS JetStream.
        // No server there means these fail; they are never skipped.
        test: {
          name: 'integration-pg',
          include: [
            'packages/platform/test/order-flow.int.test.ts',
            'packages/platform/test/flash-sale.int.test.ts',
            'packages/platform/test/idempotency.int.test.ts',
            'packages/platform/test/retention.int.test.ts',
            'packages/platform/test/metrics.int.test.ts',
            'packages/platform/test/operator.int.test.ts',
            'packages/platform/test/bad-input.int.test.ts',
            'services/promotion/test/promotion.int.test.ts',
            'services/gateway/test/gateway.int.test.ts',
            'services/customer/test/migrations.int.test.ts',
            'services/webhook/test/webhook.int.test.ts',
            'packages/platform/test/distributed.int.test.ts',
            'packages/platform/test/cluster.int.test.ts',
           
            'packages/kit/test/tenant-scope.int.test.ts',
            'packages/kit/test/statement.int.test.ts',
            'packages/kit/test/jobs.int.test.ts',
            'packages/kit/test/relay-replicas.int.test.ts',
            'packages/kit/test/postgres-client.int.test.ts',
          ],
          env: { OMNISHOP_TEST_POSTGRES: process.env.OMNISHOP_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test' },
          ...integration,
        },
      },
    ],
  },
});
