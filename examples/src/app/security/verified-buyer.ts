import { type Commerce, PURCHASED_ORDER_STATUSES } from '@souk/core'
import { HttpError } from '../http-error.js'

const PURCHASED: ReadonlySet<string> = new Set(PURCHASED_ORDER_STATUSES)
/** Pages of 100 orders read at most: a customer with more orders than this is a shop's own case. */
const MAX_PAGES = 20

/**
 * Only a customer with a purchased (confirmed or later) order holding the product may review it,
 * the rule core uses for `verifiedPurchase`. Core stores any customer's review and counts it in the
 * rating; checked here, a handful of fresh guest sessions cannot move a product's rating.
 *
 * Core has no "has this customer bought this product" query, so this pages through the
 * customer's orders; a core method (or a `requireVerified` option on `addReview`) would make it
 * one indexed lookup.
 */
export async function requireBuyer(commerce: Commerce, customerId: string, productId: string): Promise<void> {
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const orders = await commerce.orders.listForCustomer({
      customerId,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    })
    const bought = orders.items.some(
      (order) => PURCHASED.has(order.status) && order.lines.some((line) => line.productId === productId),
    )
    if (bought) return
    if (!orders.nextCursor) break
    cursor = orders.nextCursor
  }
  throw new HttpError(403, 'forbidden', 'Only customers who bought this product can review it', {
    reason: 'not_a_buyer',
  })
}
