import type { VariantPricing } from '../catalog/catalog-types.js'
import type { CatalogStore } from '../ports/catalog-store.js'
import { wasPriceOf } from '../pricing/price-in-force.js'
import type { SellableVariant, VariantLookup } from './cart-types.js'

/** What a cart needs of the catalog's pricing of a variant; the name carries the options. */
export function toSellableVariant(v: VariantPricing): SellableVariant {
  const options = Object.values(v.options)
  return {
    sku: v.sku,
    productId: v.productId,
    variantId: v.variantId,
    sellerId: v.sellerId,
    name: options.length > 0 ? `${v.name} (${options.join(', ')})` : v.name,
    status: v.status,
    price: v.price,
    wasPrice: wasPriceOf({ price: v.price, regular: v.regularPrice, compareAt: v.compareAtPrice }),
    weightGrams: v.weightGrams,
  }
}

/**
 * Adapts the catalog store's variant pricing to what carts and checkout need: one query, priced at
 * `clock`'s time (default: the database's), so a cart shows a scheduled price exactly in its window.
 */
export function catalogVariantLookup(
  catalog: Pick<CatalogStore, 'getVariantsBySku'>,
  clock?: { now(): Date },
): VariantLookup {
  return async (skus, currency) => {
    if (skus.length === 0) return []
    const at = clock?.now()
    return (await catalog.getVariantsBySku({ skus, currency, ...(at ? { at } : {}) })).map(toSellableVariant)
  }
}
