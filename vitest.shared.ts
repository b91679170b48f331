import { defaultServerConditions } from 'vite'
import type { UserConfig } from 'vitest/config'

/**
 * Resolve workspace packages to their TypeScript sources (the `@souk/source` export condition), so
 * tests run without a build and always against the code beside them.
 */
export const sourceConditions: UserConfig = {
  ssr: { resolve: { conditions: ['@souk/source', ...defaultServerConditions] } },
}
