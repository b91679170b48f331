import { type Commerce, createCommerce, silentLogger } from '@souk/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('search_commerce', (fixture) => {
  describe('commerce.search follows the catalog', () => {
    let commerce: Commerce
    beforeAll(() => {
      commerce = createCommerce({ storage: fixture().storage, logger: silentLogger })
    })
    afterAll(() => commerce.close())

    it('finds a new product with a typo after sync, and never serves the old price or stock', async () => {
      const product = await commerce.catalog.createProduct({
        slug: 'aurora-wireless-headphones',
        name: 'Aurora Wireless Headphones',
        description: 'Over-ear, noise cancelling',
        tags: ['audio'],
        status: 'active',
        variants: [{ sku: 'AUR-1', prices: [{ amount: 12900, currency: 'USD' }] }],
      })
      await commerce.catalog.createProduct({
        slug: 'wired-earbuds',
        name: 'Wired Earbuds',
        status: 'active',
        variants: [{ sku: 'EAR-1', prices: [{ amount: 1900, currency: 'USD' }] }],
      })
      await commerce.inventory.setStock({ sku: 'AUR-1', onHand: 3 })
      await commerce.search.sync()
      const found = await commerce.search.query({ q: 'wireless headphnes', facets: ['inStock'] })
      expect(found.hits[0]?.id).toBe(product.id)
      expect(found.hits[0]?.document.price).toEqual({ amount: 12900, currency: 'USD' })
      expect(found.hits[0]?.document.inStock).toBe(true)

      await commerce.catalog.updateProduct({
        productId: product.id,
        variants: [{ sku: 'AUR-1', prices: [{ amount: 9900, currency: 'USD' }] }],
      })
      await commerce.inventory.adjust({ sku: 'AUR-1', delta: -3, reason: 'sold out in store' })
      await commerce.search.sync()
      const after = await commerce.search.query({ q: 'aurora' })
      expect(after.hits.map((h) => [h.id, h.document.price.amount, h.document.inStock])).toEqual([
        [product.id, 9900, false],
      ])

      await commerce.catalog.archiveProduct({ productId: product.id })
      await commerce.search.sync()
      expect((await commerce.search.query({ q: 'aurora' })).total).toBe(0)
    })

    it('rebuilds the whole index with progress', async () => {
      const progress: number[] = []
      const { indexed, total } = await commerce.search.reindex({
        batchSize: 1,
        onProgress: (p) => progress.push(p.done),
      })
      expect(indexed).toBe(total)
      expect(progress.at(-1)).toBe(total)
      expect((await commerce.search.query({ q: 'earbuds' })).total).toBe(1)
    })
  })
})
