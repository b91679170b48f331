import { eventLogStoreSuite } from '@souk/core/testing'
import { afterAll, describe, it } from 'vitest'
import type { PostgresStorage } from '../src/postgres-storage.js'
import { pgliteFixture, postgresFixture, type StorageFixture } from './support.js'

function harnessOver(fixture: StorageFixture & { storage: PostgresStorage }) {
  const { storage } = fixture
  return { store: storage.eventLog, outbox: storage.outbox, transaction: storage.transaction }
}

const closers: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const close of closers) await close()
})

describe('node-postgres', () => {
  let shared: Promise<Awaited<ReturnType<typeof postgresFixture>>> | undefined
  eventLogStoreSuite(
    { describe, it },
    async () => {
      shared ??= postgresFixture('event_log_contract', 30).then((f) => {
        closers.push(() => f.close())
        return f
      })
      return harnessOver(await shared)
    },
    { concurrentTransactions: true },
  )
})

describe('PGlite', () => {
  let shared: Promise<Awaited<ReturnType<typeof pgliteFixture>>> | undefined
  eventLogStoreSuite(
    { describe, it },
    async () => {
      shared ??= pgliteFixture({ pgTrgm: false }).then((f) => {
        closers.push(() => f.close())
        return f
      })
      return harnessOver(await shared)
    },
    { concurrency: 4, concurrentTransactions: false },
  )
})
