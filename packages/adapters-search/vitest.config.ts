import { defineProject, mergeConfig } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.js'

export default mergeConfig(
  sourceConditions,
  defineProject({
    test: {
      name: 'adapters-search',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }),
)
