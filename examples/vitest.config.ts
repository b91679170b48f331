import { defineProject, mergeConfig } from 'vitest/config'
import { sourceConditions } from '../vitest.shared.js'

export default mergeConfig(
  sourceConditions,
  defineProject({
    test: {
      name: 'examples',
      include: ['test/**/*.test.ts'],
      globalSetup: [
        '../tools/test-harness/src/postgres-global-setup.ts',
        '../tools/test-harness/src/redis-global-setup.ts',
      ],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }),
)
