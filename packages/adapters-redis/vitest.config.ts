import { defineProject, mergeConfig } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.js'

export default mergeConfig(
  sourceConditions,
  defineProject({
    test: {
      name: 'adapters-redis',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Redis for every file; Postgres for the flash-sale race that reserves through the database.
      globalSetup: [
        '../../tools/test-harness/src/postgres-global-setup.ts',
        '../../tools/test-harness/src/redis-global-setup.ts',
      ],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }),
)
