/** Events the Cart service publishes after the change is stored. */
export type CartEvent =
  | {
      readonly type: 'cart.item_added'
      readonly cartId: string
      readonly customerId: string | null
      readonly sku: string
      readonly quantity: number
      readonly occurredAt: Date
    }
  | {
      readonly type: 'cart.merged'
      readonly guestCartId: string
      readonly cartId: string
      readonly customerId: string
      readonly occurredAt: Date
    }
  | {
      /** A cart with items sat idle past the threshold; raised once per idle spell by `notifyAbandoned`. */
      readonly type: 'cart.abandoned'
      readonly cartId: string
      readonly customerId: string | null
      readonly email: string | null
      readonly itemCount: number
      readonly idleSince: Date
      readonly occurredAt: Date
    }
