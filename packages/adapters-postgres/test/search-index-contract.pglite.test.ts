import { searchIndexSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { pgliteFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await pgliteFixture()
})
afterAll(() => fixture.close())

describe('PGlite with pg_trgm', () => {
  searchIndexSuite({ describe, it }, async () => ({ index: fixture.storage.search }))
})
