import type { Review } from '../catalog/catalog-types.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'

export type NewReview = Omit<Review, 'verifiedPurchase'>

export interface ReviewListQuery {
  readonly productId: string
  /** Continue after this review (the previous page's `next`). */
  readonly after?: KeysetCursor
  readonly limit: number
}

/**
 * Persistence of product reviews and the rating aggregate they keep on the product. A review
 * changes the product's search document, so each insert enqueues a `search.product` outbox message
 * in its transaction. Contract: `@souk/core/testing`'s `reviewStoreSuite`.
 */
export interface ReviewStore {
  /**
   * Inserts a review, sets its verified-purchase flag from the customer's orders, and adds it to
   * the product's rating count and sum in the same statement. Throws `ConflictError` when the
   * customer already reviewed the product, `NotFoundError` for an unknown or draft product.
   */
  insertReview(review: NewReview): Promise<Review>
  /**
   * One page of a product's reviews, newest first (created at, then id), in keyset order;
   * `next.sort` is `'reviews'`. A cursor this store did not return is a `ValidationError` on path
   * `cursor`.
   */
  listReviews(query: ReviewListQuery): Promise<KeysetPage<Review>>
}
