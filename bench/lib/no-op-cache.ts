import type { Cache } from '@souk/core'

/**
 * A cache that remembers nothing, so every catalog read goes to Postgres: the "uncached" cases.
 * Counters still count, because the catalog cache keys its generations on them.
 */
export function noOpCache(): Cache {
  let counter = 0
  return {
    async get() {
      return undefined
    },
    async set() {},
    async delete() {},
    async increment() {
      counter++
      return counter
    },
  }
}
