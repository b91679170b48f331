import { searchFeedSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('search_feed_contract', (fixture) => {
  searchFeedSuite({ describe, it }, async () => ({
    feed: fixture().storage.searchFeed,
    catalog: fixture().storage.catalog,
    reviews: fixture().storage.reviews,
    inventory: fixture().storage.inventory,
  }))
})
