import type { Address } from '../customers/address-schemas.js'
import type { Money } from '../money/money.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'

export type OrderStatus =
  | 'pending_payment'
  /** Paid (authorized) but flagged by a fraud check: stock stays reserved until staff decide. */
  | 'held_for_review'
  | 'confirmed'
  | 'processing'
  | 'partially_shipped'
  | 'shipped'
  | 'delivered'
  | 'cancelled'
  | 'payment_failed'
  | 'refunded'
  | 'partially_refunded'
  | 'return_requested'
  | 'returned'

export interface OrderLineRecord {
  readonly id: string
  readonly sku: string
  readonly productId: string | null
  readonly variantId: string | null
  readonly sellerId: string | null
  readonly name: string
  readonly quantity: number
  /** Price snapshot taken at checkout. */
  readonly unitPrice: Money
  readonly discount: Money
  readonly tax: Money
  /** What the customer pays for this line. */
  readonly total: Money
  readonly returnedQuantity: number
}

export interface OrderTotals {
  readonly subtotal: Money
  readonly discountTotal: Money
  readonly shippingTotal: Money
  readonly taxTotal: Money
  readonly total: Money
}

export interface OrderRecord {
  readonly id: string
  /** Human-friendly, sequential: what a customer quotes on the phone. */
  readonly displayNumber: string
  readonly customerId: string | null
  readonly email: string
  readonly status: OrderStatus
  readonly currency: string
  readonly totals: OrderTotals
  readonly lines: readonly OrderLineRecord[]
  readonly shippingAddress: Address | null
  readonly billingAddress: Address | null
  readonly shippingMethodId: string | null
  readonly promoCode: string | null
  readonly cartId: string | null
  readonly reservationId: string | null
  readonly paymentProvider: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
  /**
   * The delivery dates the shipping method was quoted at checkout (as `ShippingQuote`'s
   * `estimatedDelivery`); null without a shipping method, and for orders stored before it was kept.
   */
  readonly estimatedDelivery: DeliveryEstimate | null
}

/** Calendar dates (UTC, `YYYY-MM-DD`) of the earliest and latest expected delivery. */
export interface DeliveryEstimate {
  readonly earliest: string
  readonly latest: string
}

/** An order to store; `estimatedDelivery` defaults to null. */
export type NewOrder = Omit<OrderRecord, 'displayNumber' | 'updatedAt' | 'estimatedDelivery'> & {
  readonly estimatedDelivery?: DeliveryEstimate | null
}

/**
 * A seller's kept sales in one currency: what was sold in orders that were bought (not pending,
 * failed or cancelled), less what came back in received returns. Amounts are integer minor units of
 * `currency`; figures in different currencies are never added together.
 */
export interface SellerSalesFigures {
  readonly currency: string
  /** Units sold less units returned. */
  readonly units: number
  /** What the kept units sold for after discounts, excluding tax (and shipping). */
  readonly revenue: Money
  /** Tax charged on the kept units, reported beside `revenue`, never inside it. */
  readonly tax: Money
}

/** {@link SellerSalesFigures} of the orders placed on one UTC day. */
export interface SellerDailyFigures extends SellerSalesFigures {
  /** UTC day the orders were placed, `YYYY-MM-DD`; a later return revises that day. */
  readonly day: string
}

/** {@link SellerSalesFigures} of one product. */
export interface SellerProductFigures extends SellerSalesFigures {
  readonly productId: string
  /** The name the product's lines were sold under. */
  readonly name: string
}

/**
 * Persistence of orders. Status changes are compare-and-set (`from` must match what is stored), so
 * two writers can never both move an order; each change appends to the order's history.
 */
export interface OrderStore {
  insert(order: NewOrder): Promise<OrderRecord>
  get(id: string): Promise<OrderRecord | null>
  /** Returns false (and changes nothing) when the stored status is not `from`. */
  transition(input: {
    id: string
    from: OrderStatus
    to: OrderStatus
    at: Date
    note?: string
  }): Promise<boolean>
  history(id: string): Promise<{ from: OrderStatus | null; to: OrderStatus; at: Date; note: string | null }[]>
  /**
   * The customer's orders, newest first: keyset on (`createdAt`, `id`) descending, `next.sort`
   * `'customer_orders'`.
   */
  listForCustomer(query: {
    readonly customerId: string
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<OrderRecord>>
  /**
   * Orders holding at least one line of the seller's, with only that seller's lines, newest first:
   * keyset on (`createdAt`, `id`) descending, `next.sort` `'seller_orders'`.
   */
  listForSeller(query: {
    readonly sellerId: string
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<OrderRecord>>
  /**
   * Kept sales of `sellerId`'s lines per UTC day and currency, over orders placed in `[from, to)`,
   * ordered by day then currency. A line's returned units take their refunded share of the line's
   * total and tax (the first `returnedQuantity` parts of `allocateEvenly(amount, quantity)`, as
   * `receiveReturn` refunds them); rows with no kept units are left out.
   */
  sellerDailyFigures(query: { sellerId: string; from: Date; to: Date }): Promise<SellerDailyFigures[]>
  /**
   * `sellerId`'s `limit` best products in each currency by kept units (then revenue, then product
   * id) over orders placed in `[from, to)`, counted as in {@link OrderStore.sellerDailyFigures};
   * ordered by currency, then rank.
   */
  sellerTopProducts(query: {
    sellerId: string
    from: Date
    to: Date
    limit: number
  }): Promise<SellerProductFigures[]>
  /**
   * Up to `limit` orders in `status` last changed at or before `updatedBefore`, oldest first:
   * recovery's work batch (not a listing: what recovery settles leaves it, so it is not paged).
   */
  listStale(query: {
    readonly status: OrderStatus
    readonly updatedBefore: Date
    readonly limit: number
  }): Promise<OrderRecord[]>
  /**
   * Adds `quantity` to the returned quantity of order line `orderLineId`; fails (false) if it would
   * exceed the ordered quantity.
   */
  addReturnedQuantity(input: { orderLineId: string; quantity: number }): Promise<boolean>
}
