import type { Money } from '../money/money.js'

export type PaymentStatus =
  | 'pending'
  | 'requires_action'
  | 'authorized'
  | 'captured'
  | 'partially_refunded'
  | 'refunded'
  | 'voided'
  | 'failed'

export interface PaymentState {
  /** The provider's id for the payment (e.g. a Stripe PaymentIntent id). */
  readonly paymentId: string
  readonly status: PaymentStatus
  readonly amount: Money
  readonly capturedAmount: Money
  readonly refundedAmount: Money
  /** For `requires_action`: what the customer must do (e.g. a 3-D Secure client secret). */
  readonly action?: { readonly type: string; readonly clientSecret?: string; readonly url?: string }
  /** For `failed`: the provider's reason, e.g. `card_declined`. */
  readonly failureCode?: string
}

export interface AuthorizeInput {
  readonly amount: Money
  /** Souk's order id; providers store it so recovery can find a payment by order. */
  readonly orderId: string
  readonly idempotencyKey: string
  /** Provider-specific payment method token, e.g. `pm_card_visa`. */
  readonly paymentMethod?: string
  readonly customerId?: string
  /** `manual` (default) holds funds for a later capture; `automatic` captures at once. */
  readonly capture?: 'manual' | 'automatic'
}

export type PaymentWebhookEvent =
  | {
      readonly kind: 'payment.updated'
      /** The provider's event id, used to drop duplicates. */
      readonly eventId: string
      readonly orderId: string | null
      readonly state: PaymentState
      readonly occurredAt: Date
    }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly type: string }

/**
 * A payment provider. Every mutating call takes an idempotency key the provider honours, so a
 * retried call never charges twice. Declines are thrown as `PaymentError` (`payment.declined`).
 */
export interface PaymentProvider {
  /** Stable id the order records, e.g. `stripe` or `test`. */
  readonly id: string
  authorize(input: AuthorizeInput): Promise<PaymentState>
  capture(input: { paymentId: string; amount?: Money; idempotencyKey: string }): Promise<PaymentState>
  void(input: { paymentId: string; idempotencyKey: string }): Promise<PaymentState>
  refund(input: {
    paymentId: string
    amount: Money
    idempotencyKey: string
    reason?: string
  }): Promise<PaymentState>
  status(paymentId: string): Promise<PaymentState>
  /** Payments made for an order, so recovery can tell whether a crashed checkout charged anyone. */
  findByOrder(orderId: string): Promise<PaymentState[]>
  /** Verifies and parses a webhook. Throws `ValidationError` for a bad signature or body. */
  parseWebhook(input: {
    rawBody: string | Uint8Array
    headers: Record<string, string | undefined>
  }): Promise<PaymentWebhookEvent>
}
