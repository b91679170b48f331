import { InvalidTransitionError } from '../errors/error-classes.js'
import type { OrderStatus } from '../ports/order-store.js'

/**
 * Every allowed move of an order. Anything not listed is an `order.invalid_transition` error.
 * Terminal states (cancelled, payment_failed, refunded) allow nothing. `held_for_review` is an order
 * a fraud check flagged: paid (authorized) with its stock still reserved, until staff approve it
 * (`confirmed`: stock committed, payment captured) or reject it (`cancelled`: stock released,
 * payment voided). It never ships, and it is not paid for in the sense of {@link PAID_STATUSES}.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['confirmed', 'held_for_review', 'payment_failed', 'cancelled'],
  held_for_review: ['confirmed', 'cancelled'],
  confirmed: ['processing', 'partially_shipped', 'shipped', 'cancelled'],
  processing: ['partially_shipped', 'shipped', 'cancelled'],
  partially_shipped: ['partially_shipped', 'shipped'],
  shipped: ['delivered'],
  delivered: ['return_requested', 'partially_refunded', 'refunded'],
  return_requested: ['returned', 'delivered', 'partially_refunded', 'refunded'],
  returned: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded', 'return_requested'],
  cancelled: [],
  payment_failed: [],
  refunded: [],
}

/** Statuses of an order that has been paid for, short of a full refund. */
export const PAID_STATUSES: readonly OrderStatus[] = [
  'confirmed',
  'processing',
  'partially_shipped',
  'shipped',
  'delivered',
  'return_requested',
  'returned',
  'partially_refunded',
]

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to)
}

/** Throws `InvalidTransitionError` unless `from → to` is allowed. */
export function assertTransition(orderId: string, from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError('order', orderId, from, to)
}
