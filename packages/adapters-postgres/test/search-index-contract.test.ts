import { searchIndexSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

// PGlite runs with pg_trgm loaded, as Souk's docs recommend (search-index.pg.test.ts covers without).
describeOnDrivers('search_contract', (fixture) => {
  searchIndexSuite({ describe, it }, async () => ({ index: fixture().storage.search }))
})
