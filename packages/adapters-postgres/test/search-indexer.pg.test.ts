import { afterAll, beforeAll, describe } from 'vitest'
import { searchIndexerCases } from './search-indexer-cases.js'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('search_indexer_pg', 20)
})
afterAll(() => fixture.close())

describe('node-postgres', () => {
  searchIndexerCases(() => fixture, { concurrency: 6 })
})
