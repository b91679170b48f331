import type { PaymentState, PaymentStatus } from '../ports/payment-provider.js'

// How far along its life a payment is. A payment only moves up: failed and voided are ends, and
// captured and voided exclude each other, so sharing a rank never hides a real change.
const RANK: Readonly<Record<PaymentStatus, number>> = {
  pending: 0,
  requires_action: 1,
  failed: 2,
  authorized: 3,
  captured: 4,
  voided: 4,
  partially_refunded: 5,
  refunded: 6,
}

/**
 * True when `incoming` is a later state of the same payment than `current`, so a webhook handler
 * can apply snapshots that arrive out of order and drop stale ones: captured and refunded amounts
 * only grow, and the status only moves forward (pending → requires_action → authorized → captured
 * → partially_refunded → refunded, with failed and voided as ends). `current` null (nothing stored
 * yet) is always superseded; a snapshot of another payment never supersedes.
 *
 * Exception it cannot see: a Stripe PaymentIntent whose customer retries after a failure goes from
 * failed back to requires_action. Souk never reuses a failed payment, so this does not arise.
 */
export function paymentStateSupersedes(current: PaymentState | null, incoming: PaymentState): boolean {
  if (current === null) return true
  if (current.paymentId !== incoming.paymentId) return false
  if (incoming.refundedAmount.amount !== current.refundedAmount.amount) {
    return incoming.refundedAmount.amount > current.refundedAmount.amount
  }
  if (incoming.capturedAmount.amount !== current.capturedAmount.amount) {
    return incoming.capturedAmount.amount > current.capturedAmount.amount
  }
  return RANK[incoming.status] > RANK[current.status]
}
