import { searchIndexSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('search_contract_pg')
})
afterAll(() => fixture.close())

describe('node-postgres', () => {
  searchIndexSuite({ describe, it }, async () => ({ index: fixture.storage.search }))
})
