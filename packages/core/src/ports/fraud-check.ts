import type { Address } from '../customers/address-schemas.js'
import type { Money } from '../money/money.js'

/** What a fraud check decides about a checkout. */
export type FraudDecision = 'approve' | 'review' | 'reject'

/** Why a check decided as it did: shown to staff, logged, never shown to the shopper. */
export interface FraudReason {
  /** The check that gave it (its `id`). */
  readonly check: string
  /** Stable, machine-readable, e.g. `velocity.email` or `amount.review`. */
  readonly code: string
  readonly message: string
  /** Structured data for staff, e.g. `{ count, limit, windowMs }`. */
  readonly details?: Readonly<Record<string, unknown>>
}

export interface FraudAssessment {
  readonly decision: FraudDecision
  readonly reasons: readonly FraudReason[]
}

/** A line of the checkout being assessed, priced. */
export interface FraudCheckLine {
  readonly sku: string
  readonly productId: string | null
  readonly sellerId: string | null
  readonly name: string
  readonly quantity: number
  readonly unitPrice: Money
  readonly total: Money
}

/** Everything a fraud check sees of a checkout, before anything is created or charged. */
export interface FraudCheckInput {
  readonly cartId: string
  /** The id the order will have if the checkout goes on. */
  readonly orderId: string
  /** The checkout's idempotency key: one attempt per key. */
  readonly attemptKey: string
  readonly email: string
  readonly customerId: string | null
  /**
   * The shopper's IP as the host saw it (`placeOrder({ client: { ip } })`), normalized: IPv4 dotted
   * quad (IPv4-mapped IPv6 is unwrapped), IPv6 in canonical lower-case form. Null when not given.
   */
  readonly ip: string | null
  readonly userAgent: string | null
  /** The configured provider that will be charged; null for a free order. */
  readonly paymentProvider: string | null
  /** The provider payment method token, e.g. `pm_card_visa`. */
  readonly paymentMethod: string | null
  /**
   * A stable fingerprint of the card or wallet (e.g. Stripe's `card.fingerprint`), the same for every
   * token of one card, when the host passes one (`payment.fingerprint`).
   */
  readonly paymentFingerprint: string | null
  readonly total: Money
  readonly lines: readonly FraudCheckLine[]
  readonly shippingAddress: Address | null
  readonly billingAddress: Address | null
  readonly shippingMethodId: string | null
  readonly promoCode: string | null
}

/** One subject a velocity count is kept for, e.g. `{ kind: 'email', value: 'a@b.c', windowMs }`. */
export interface VelocitySubject {
  /** What the value is: `email`, `ip`, `card`, or a check's own kind (letters, digits, `_ - .`). */
  readonly kind: string
  /** Stored only as a SHA-256 digest of `kind:value`. */
  readonly value: string
  /** The sliding window the count covers, in ms (at most 30 days). */
  readonly windowMs: number
}

/**
 * Durable, race-safe attempt counts. `record` counts this checkout attempt (its idempotency key)
 * against each subject, once however often it is called for the key, and returns, per subject in
 * order, the attempts in the window up to and including this one.
 */
export interface FraudVelocity {
  record(subjects: readonly VelocitySubject[]): Promise<readonly number[]>
}

/** What checkout hands a check besides the checkout itself. */
export interface FraudCheckContext {
  /** The injected clock's now. */
  readonly now: Date
  /** Velocity counts in storage (`storage.fraud`); throws `config.invalid` when storage has none. */
  readonly velocity: FraudVelocity
}

/** What `assess` receives, as one object: the checkout, the clock's now and the velocity counts. */
export interface FraudAssessInput extends FraudCheckInput, FraudCheckContext {}

/**
 * A fraud check run by checkout before anything is created or charged. `approve` lets the checkout
 * go on; `review` lets it go on but holds the paid order (`held_for_review`) for staff to approve
 * or reject; `reject` refuses it with `checkout.fraud_rejected`. With several checks, any reject
 * wins, else any review. A check that throws counts as `review` (reason `check.failed`), so an
 * outage of a scoring service neither blocks sales nor lets them through unseen.
 */
export interface FraudCheck {
  /** Names the check in reasons and logs. */
  readonly id: string
  /** True when the check counts velocity: `createCommerce` then requires a storage with `fraud`. */
  readonly usesVelocity?: boolean
  assess(input: FraudAssessInput): Promise<FraudAssessment>
}
