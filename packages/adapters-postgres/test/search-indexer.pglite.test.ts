import { afterAll, beforeAll, describe } from 'vitest'
import { searchIndexerCases } from './search-indexer-cases.js'
import { pgliteFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await pgliteFixture()
})
afterAll(() => fixture.close())

describe('PGlite', () => {
  searchIndexerCases(() => fixture, { concurrency: 1 })
})
