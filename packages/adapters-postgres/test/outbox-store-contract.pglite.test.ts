import { outboxStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { outboxInspector } from './search-support.js'
import { pgliteFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await pgliteFixture()
})
afterAll(() => fixture.close())

describe('PGlite', () => {
  outboxStoreSuite(
    { describe, it },
    async () => ({ store: fixture.storage.outbox, inspect: outboxInspector(fixture.storage.db) }),
    { concurrency: 1 },
  )
})
