import { sellerStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('seller_contract', (fixture) => {
  sellerStoreSuite({ describe, it }, async () => {
    const { storage } = fixture()
    return {
      sellers: storage.sellers,
      catalog: storage.catalog,
      orders: storage.orders,
      shipments: storage.shipments,
      storedSellerOf: async (productId) => {
        const row = await storage.db
          .selectFrom('products')
          .select('seller_id')
          .where('id', '=', productId)
          .executeTakeFirst()
        return row ? row.seller_id : undefined
      },
    }
  })
})
