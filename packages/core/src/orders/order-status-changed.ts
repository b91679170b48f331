import type { CommerceEvent } from '../events/commerce-event.js'
import type { OrderRecord, OrderStatus } from '../ports/order-store.js'

/** The one builder of `order.status_changed`, whoever moved the order. */
export function orderStatusChanged(
  order: Pick<OrderRecord, 'id' | 'customerId'>,
  from: OrderStatus,
  to: OrderStatus,
  note: string | null,
  occurredAt: Date,
): Extract<CommerceEvent, { type: 'order.status_changed' }> {
  return {
    type: 'order.status_changed',
    orderId: order.id,
    customerId: order.customerId,
    from,
    to,
    note,
    occurredAt,
  }
}
