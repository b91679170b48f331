import type { Address } from '../customers/address-schemas.js'
import type { Money } from '../money/money.js'

export type OrderStatus =
  | 'pending_payment'
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
}

export type NewOrder = Omit<OrderRecord, 'displayNumber' | 'updatedAt'>

export interface OrderPage {
  readonly items: OrderRecord[]
  /** Opaque; pass back to get the next page. Null on the last page. */
  readonly nextCursor: string | null
}

export interface SellerDailyFigures {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string
  readonly currency: string
  readonly revenue: Money
  readonly units: number
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
  /** Newest first. */
  listForCustomer(customerId: string, cursor: string | null, limit: number): Promise<OrderPage>
  /** Orders holding at least one line of the seller's, newest first, with only that seller's lines. */
  listForSeller(sellerId: string, cursor: string | null, limit: number): Promise<OrderPage>
  /** Revenue and units per UTC day of the seller's lines in orders that were paid. */
  sellerDailyFigures(sellerId: string, from: Date, to: Date): Promise<SellerDailyFigures[]>
  sellerTopProducts(
    sellerId: string,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<{ productId: string; name: string; units: number; revenue: Money }[]>
  /** Orders in `status` last changed at or before `updatedBefore`, oldest first: recovery's work list. */
  listStale(status: OrderStatus, updatedBefore: Date, limit: number): Promise<OrderRecord[]>
  /** Adds returned quantity to a line; fails (false) if it would exceed the ordered quantity. */
  addReturnedQuantity(lineId: string, quantity: number): Promise<boolean>
}
