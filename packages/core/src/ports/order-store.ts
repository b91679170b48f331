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
  readonly productId: string
  readonly name: string
  readonly quantity: number
  /** Price snapshot taken at checkout. */
  readonly unitPrice: Money
  readonly total: Money
}

export interface OrderRecord {
  readonly id: string
  readonly displayNumber: string
  readonly customerId: string | null
  readonly status: OrderStatus
  readonly lines: readonly OrderLineRecord[]
  readonly total: Money
  readonly reservationId: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** Persistence of orders. Status changes are compare-and-set so two writers cannot both win. */
export interface OrderStore {
  insert(order: OrderRecord): Promise<void>
  get(id: string): Promise<OrderRecord | null>
  /** Sets `to` only when the stored status is `from`; returns false when it was not. */
  transition(id: string, from: OrderStatus, to: OrderStatus, at: Date): Promise<boolean>
  listForCustomer(
    customerId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ items: OrderRecord[]; nextCursor: string | null }>
}
