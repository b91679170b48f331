import { eventLogStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import type { PostgresStorage } from '../src/postgres-storage.js'
import { describeOnDrivers, type StorageDriver, type StorageFixture } from './support.js'

function harnessOver(fixture: StorageFixture & { storage: PostgresStorage }) {
  const { storage } = fixture
  return { store: storage.eventLog, outbox: storage.outbox, transaction: storage.transaction }
}

/** Real Postgres runs transactions side by side; PGlite's one connection serialises them. */
const SUITE_OPTIONS: Record<StorageDriver, { concurrency?: number; concurrentTransactions: boolean }> = {
  'node-postgres': { concurrentTransactions: true },
  PGlite: { concurrency: 4, concurrentTransactions: false },
}

describeOnDrivers(
  'event_log_contract',
  (fixture, driver) => {
    eventLogStoreSuite({ describe, it }, async () => harnessOver(fixture()), SUITE_OPTIONS[driver])
  },
  { poolSize: 30, pgTrgm: false },
)
