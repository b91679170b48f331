import { describe, it } from 'vitest'
import { outboxStoreSuite } from '../testing/outbox-store-suite.js'
import { createMemoryOutboxStore } from './memory-outbox-store.js'

describe('memory outbox store', () => {
  const store = createMemoryOutboxStore()
  outboxStoreSuite({ describe, it }, async () => ({
    store,
    inspect: {
      async row(id) {
        const row = store.rows().find((r) => r.id === id)
        return row
          ? {
              attempts: row.attempts,
              processedAt: row.processedAt,
              lastError: row.lastError,
              availableAt: row.availableAt,
            }
          : null
      },
    },
  }))
})
