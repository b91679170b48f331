/** Events the Catalog service publishes after its transaction commits. */
export type CatalogEvent =
  | {
      readonly type: 'product.created'
      readonly productId: string
      readonly slug: string
      readonly status: 'draft' | 'active' | 'archived'
      readonly occurredAt: Date
    }
  | {
      readonly type: 'product.updated'
      readonly productId: string
      readonly slug: string
      /** Names of the fields the update set, e.g. `['variants', 'status']`. */
      readonly fields: readonly string[]
      readonly occurredAt: Date
    }
  | {
      readonly type: 'product.archived'
      readonly productId: string
      readonly slug: string
      readonly occurredAt: Date
    }
  | {
      readonly type: 'review.created'
      readonly reviewId: string
      readonly productId: string
      readonly customerId: string
      readonly rating: number
      readonly verifiedPurchase: boolean
      readonly occurredAt: Date
    }
