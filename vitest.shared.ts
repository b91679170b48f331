import { defaultServerConditions, type UserConfig } from 'vite'

/**
 * Resolve workspace packages to their TypeScript sources (the `@souk/source` export condition), so
 * tests run without a build and always against the code beside them.
 */
export const sourceConditions: UserConfig = {
  ssr: { resolve: { conditions: ['@souk/source', ...defaultServerConditions] } },
}
