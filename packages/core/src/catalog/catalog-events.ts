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
      /**
       * The product's in-stock flag flipped: its last sellable variant sold out (`inStock: false`),
       * or one became sellable again. Raised by the database in the transaction that moved the stock
       * (or the settings, or the variants), once per flip, on the outbox only: durable subscribers
       * receive it, the in-process bus does not. `occurredAt` is the database's clock.
       */
      readonly type: 'product.stock_status_changed'
      readonly productId: string
      /** True when some variant is untracked, backorderable or has stock available. */
      readonly inStock: boolean
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
