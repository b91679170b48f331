import type { CatalogStore } from '../ports/catalog-store.js'
import type { VariantLookup } from './cart-types.js'

/** Adapts the catalog store's variant pricing to what carts and checkout need: one query. */
export function catalogVariantLookup(catalog: Pick<CatalogStore, 'getVariantsBySku'>): VariantLookup {
  return async (skus, currency) => {
    if (skus.length === 0) return []
    const found = await catalog.getVariantsBySku(skus, currency)
    return found.map((v) => {
      const options = Object.values(v.options)
      return {
        sku: v.sku,
        productId: v.productId,
        variantId: v.variantId,
        sellerId: v.sellerId,
        name: options.length > 0 ? `${v.name} (${options.join(', ')})` : v.name,
        status: v.status,
        price: v.price,
        weightGrams: v.weightGrams,
      }
    })
  }
}
