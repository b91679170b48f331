import type { ProductSummary } from '../catalog/catalog-types.js'
import type { CurrencyCode } from '../money/currencies.js'

export interface RecommendationQuery {
  readonly productId: string
  /** Most products returned. */
  readonly limit: number
  /** The currency of `price` on each summary; null leaves prices null. */
  readonly currency: CurrencyCode | null
}

export interface SimilarProductsQuery extends RecommendationQuery {
  /**
   * How far, in whole percent, a similar product's lowest price may lie from the product's, both
   * in the product's primary currency: 20 keeps 800 to 1200 around 1000. Inclusive.
   */
  readonly priceBandPercent: number
}

/**
 * The queries behind `catalog.recommendations`: read-only, over products and purchased orders,
 * and may be served from replicas. Contract: `@souk/core/testing`'s `recommendationStoreSuite`.
 */
export interface RecommendationStore {
  /**
   * Active products most often in the same purchased orders (see `PURCHASED_ORDER_STATUSES`) as
   * `productId`, most orders first, then most units sold. Empty for an unknown product.
   */
  frequentlyBoughtTogether(query: RecommendationQuery): Promise<ProductSummary[]>
  /**
   * Active products of the same category whose lowest price in the product's primary currency is
   * within `priceBandPercent` of the product's, most units sold first. Empty for an unknown product.
   */
  similarProducts(query: SimilarProductsQuery): Promise<ProductSummary[]>
}
