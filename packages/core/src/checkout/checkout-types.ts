import type { OrderRecord } from '../ports/order-store.js'
import type { PaymentAction } from '../ports/payment-provider.js'

/** What `placeOrder` returns. */
export interface PlaceOrderResult {
  readonly order: OrderRecord
  /**
   * `confirmed`: paid (authorized) and stock committed. `requires_action`: the customer must finish
   * `action` (e.g. 3-D Secure); stock stays reserved until the reservation expires and the order
   * completes when the provider's webhook arrives. `held_for_review`: paid (authorized), but a
   * fraud check flagged it: stock stays reserved until staff approve or reject it (`commerce.fraud`).
   */
  readonly outcome: 'confirmed' | 'requires_action' | 'held_for_review'
  readonly action: PaymentAction | null
}

/** What recovery did. */
export interface RecoveryReport {
  readonly confirmed: number
  readonly failed: number
  readonly stillWaiting: number
  /** Orders recovery found paid but flagged by a fraud check, and held for review. */
  readonly heldForReview: number
  /** Held orders whose review window ended undecided, rejected (stock released, payment voided). */
  readonly reviewsExpired: number
  readonly reservationsExpired: number
  /** Acked outbox messages and domain events past their retention, deleted. */
  readonly outboxPurged: number
}

/** The replayable record kept under an idempotency key. */
export type StoredCheckoutResponse =
  | {
      readonly kind: 'result'
      readonly orderId: string
      readonly outcome: PlaceOrderResult['outcome']
      readonly action: PaymentAction | null
    }
  | {
      readonly kind: 'error'
      readonly code: string
      readonly message: string
      readonly details: Record<string, unknown>
    }
