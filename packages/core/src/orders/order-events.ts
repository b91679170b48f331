import type { Money } from '../money/money.js'
import type { OrderStatus } from '../ports/order-store.js'

/** Events of orders and their payments, published after the change is stored. */
export type OrderEvent =
  | {
      readonly type: 'order.created'
      readonly orderId: string
      readonly displayNumber: string
      readonly customerId: string | null
      readonly total: Money
      readonly occurredAt: Date
    }
  | {
      /** Every status change of every order, including the first confirmation. */
      readonly type: 'order.status_changed'
      readonly orderId: string
      readonly customerId: string | null
      readonly from: OrderStatus
      readonly to: OrderStatus
      readonly note: string | null
      readonly occurredAt: Date
    }
  | {
      readonly type: 'order.refunded'
      readonly orderId: string
      readonly amount: Money
      readonly occurredAt: Date
    }
