import { defineProject, mergeConfig } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.js'

export default mergeConfig(
  sourceConditions,
  defineProject({
    test: {
      name: 'adapters-postgres',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: ['../../tools/test-harness/src/postgres-global-setup.ts'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }),
)
