import { outboxStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { outboxInspector } from './search-support.js'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('outbox_contract_pg', 40)
})
afterAll(() => fixture.close())

describe('node-postgres', () => {
  outboxStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.outbox,
    inspect: outboxInspector(fixture.storage.db),
  }))
})
