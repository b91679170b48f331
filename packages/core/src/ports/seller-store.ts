import type { KeysetCursor, KeysetPage } from './keyset-page.js'

/**
 * What a seller owns, asked in the transaction of the write it guards (`Storage.transaction`), so
 * the answer still holds when the write commits. Products are guarded by `CatalogStore.updateProduct`'s
 * `expectedSellerId`; order lines keep the seller they were sold under, so they need no lock.
 * Contract: `@souk/core/testing`'s `sellerStoreSuite`.
 */
export interface SellerStore {
  /**
   * True when `sku` is a variant of a product whose seller is `sellerId`. The product and variant
   * rows stay share-locked until the caller's transaction ends, so a concurrent reassignment of the
   * product, or a change of its variants, waits for the caller's write (or committed before this
   * check, which then sees it). False for an unknown SKU, another seller's, or one without a seller.
   */
  lockOwnedSku(input: { readonly sellerId: string; readonly sku: string }): Promise<boolean>
  /**
   * Ids of the orders the seller has something to ship in: orders that take shipments (`confirmed`,
   * `processing`, `partially_shipped`) holding a line of `sellerId` with units in no parcel yet.
   * Newest first: keyset on (`createdAt`, `id`) descending, `next.sort` `'seller_orders_to_ship'`.
   */
  listOrdersToShip(query: {
    readonly sellerId: string
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<string>>
}
