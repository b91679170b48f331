import { outboxStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { outboxInspector } from './search-support.js'
import { describeOnDrivers, type StorageDriver } from './support.js'

/** Parallel claimers in the suite's race: PGlite has one connection, so it runs them one by one. */
const CLAIMERS: Record<StorageDriver, number> = { 'node-postgres': 50, PGlite: 1 }

describeOnDrivers(
  'outbox_contract',
  (fixture, driver) => {
    outboxStoreSuite(
      { describe, it },
      async () => ({ store: fixture().storage.outbox, inspect: outboxInspector(fixture().storage.db) }),
      { concurrency: CLAIMERS[driver] },
    )
  },
  { poolSize: 40 },
)
