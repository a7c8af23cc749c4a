import { defineConfig } from 'vitest/config';

// Two projects: the core and other unit tests run with no servers; integration tests under test/ get the
// real PostgreSQL and Kafka-protocol broker chosen once per run by the global setup.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          // deploy-manifests.test.ts parses files only: it needs no server.
          include: ['services/**/*.test.ts', 'test/ops/deploy-manifests.test.ts'],
          // Some unit tests generate and replay whole scenarios: seconds alone, minutes on a shared machine.
          // A timeout is a hang detector here, never a speed assertion.
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/ops/deploy-manifests.test.ts'],
          globalSetup: ['test/stack/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
