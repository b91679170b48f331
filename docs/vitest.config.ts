import { defineProject, mergeConfig } from 'vitest/config'
import { sourceConditions } from '../vitest.shared.js'

export default mergeConfig(
  sourceConditions,
  defineProject({
    test: {
      name: 'docs',
      // samples.test.ts checks links, fences and types and runs one shard; samples-2 the other.
      include: ['samples.test.ts', 'samples-2.test.ts'],
      globalSetup: [
        './samples-setup.ts',
        '../tools/test-harness/src/postgres-global-setup.ts',
        '../tools/test-harness/src/redis-global-setup.ts',
      ],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }),
)
