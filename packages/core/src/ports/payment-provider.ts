import type { Money } from '../money/money.js'

/**
 * Where a payment stands, in provider-neutral terms.
 *
 * - `pending`: created, no outcome yet (e.g. an asynchronous payment method is processing).
 * - `requires_action`: the customer must act (3-D Secure, or enter payment details); see `action`.
 * - `authorized`: funds are held; `capture` or `void` next.
 * - `captured`: money moved; `capturedAmount` says how much.
 * - `partially_refunded` / `refunded`: some / all of the captured amount went back.
 * - `voided`: cancelled before capture; nothing was charged.
 * - `failed`: declined or authentication failed; `failureCode` says why. Nothing was charged.
 */
export type PaymentStatus =
  | 'pending'
  | 'requires_action'
  | 'authorized'
  | 'captured'
  | 'partially_refunded'
  | 'refunded'
  | 'voided'
  | 'failed'

/** Which port call is being made; errors name it in `details.attempted`. */
export type PaymentOperation = 'authorize' | 'capture' | 'void' | 'refund'

/** What the customer must do before a `requires_action` payment can go on. */
export interface PaymentAction {
  /**
   * The provider's name for the step, e.g. Stripe's `use_stripe_sdk` / `redirect_to_url`, the test
   * provider's `three_d_secure`, or `collect_payment_method` when no payment method was given.
   */
  readonly type: string
  /** Secret the storefront hands to the provider's client library (Stripe.js) to finish the step. */
  readonly clientSecret?: string
  /** Where to send the customer, for redirect-based steps. */
  readonly url?: string
}

/**
 * A snapshot of one payment as the provider sees it. Amounts are integer minor units in the
 * payment's currency; `capturedAmount` and `refundedAmount` only ever grow.
 */
export interface PaymentState {
  /** The provider's id for the payment (a Stripe PaymentIntent id, `pay_...` for the test provider). */
  readonly paymentId: string
  /** The Souk order the payment was authorized for (stored with the provider), or null if unknown. */
  readonly orderId: string | null
  readonly status: PaymentStatus
  /** The authorized amount. */
  readonly amount: Money
  /** Captured so far; a partial capture releases the rest of the authorization. */
  readonly capturedAmount: Money
  /** Refunded so far; never more than `capturedAmount`. */
  readonly refundedAmount: Money
  /** For `requires_action`: what the customer must do. Absent otherwise. */
  readonly action?: PaymentAction
  /** For `failed`: the provider's reason, e.g. `generic_decline`, `insufficient_funds`. Absent otherwise. */
  readonly failureCode?: string
  /** When the provider created the payment. */
  readonly createdAt: Date
}

/** Input of {@link PaymentProvider.authorize}. */
export interface AuthorizeInput {
  /** A positive amount. */
  readonly amount: Money
  /** Souk's order id; providers store it so `findByOrder` and webhooks can name the order. */
  readonly orderId: string
  /** At most 255 characters. Derive it from the order (e.g. `${orderId}:authorize`) so a retry reuses it. */
  readonly idempotencyKey: string
  /**
   * Provider-specific payment method token, e.g. Stripe's `pm_card_visa` or a `pm_...` made by
   * Stripe.js. When absent the provider may ask the storefront to collect one
   * (`requires_action` with action type `collect_payment_method`).
   */
  readonly paymentMethod?: string
  /** Souk's customer id, stored with the provider for reference. */
  readonly customerId?: string
  /**
   * `manual` holds funds for a later `capture`; `automatic` captures at once (status `captured`).
   * Default: the provider's configured default, `manual` unless configured otherwise.
   */
  readonly capture?: 'manual' | 'automatic'
  /** Where a redirect-based customer action returns to. Without it the provider avoids redirects. */
  readonly returnUrl?: string
}

/** Input of {@link PaymentProvider.capture}. */
export interface CaptureInput {
  readonly paymentId: string
  /**
   * How much to capture, at most the authorized amount, in its currency. Default: all of it. A
   * payment is captured once; a smaller amount releases the rest of the hold.
   */
  readonly amount?: Money
  readonly idempotencyKey: string
}

/** Input of {@link PaymentProvider.void}. */
export interface VoidInput {
  readonly paymentId: string
  readonly idempotencyKey: string
}

/** Input of {@link PaymentProvider.refund}. */
export interface RefundInput {
  readonly paymentId: string
  /** A positive amount, at most captured minus already refunded, in the payment's currency. */
  readonly amount: Money
  readonly idempotencyKey: string
  /** Free text kept with the refund (at most 500 characters). */
  readonly reason?: string
}

/** The result of {@link PaymentProvider.refund}: the payment after the refund, and the refund's id. */
export interface RefundResult extends PaymentState {
  /** The provider's id for this refund (Stripe `re_...`); store it in `refunds.provider_refund_id`. */
  readonly refundId: string
}

/** A webhook delivery as the host app's HTTP handler received it. */
export interface WebhookInput {
  /** The body exactly as received, never re-serialized JSON: the signature covers these bytes. At most 1 MiB. */
  readonly rawBody: string | Uint8Array
  /** Request headers; names are matched case-insensitively (Node's `req.headers` fits as is). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
}

/**
 * A verified webhook, translated. `payment.updated` carries the payment's state as of `occurredAt`;
 * every other provider event is `ignored` (acknowledge it with a 2xx and do nothing).
 *
 * How to apply one (see @souk/payments-stripe's README for the full recipe):
 * - Dedupe by `eventId`: insert it into `payment_webhook_events (provider, event_id)` in the
 *   transaction that applies it; a conflict means it was applied already.
 * - Events can arrive out of order and before `authorize` has returned. Either re-read the
 *   payment with `status(paymentId)` and apply that (always current), or apply `state` only when
 *   `paymentStateSupersedes(stored, state)` says it is newer.
 * - Find the payment by `(provider, paymentId)`, else the order by `orderId`. When neither exists
 *   yet, answer non-2xx without recording the event id, so the provider delivers it again later.
 */
export type PaymentWebhookEvent =
  | {
      readonly kind: 'payment.updated'
      /** The provider's event id, unique per event; redeliveries repeat it. */
      readonly eventId: string
      /** The provider's event type, e.g. `payment_intent.succeeded`; for logs. */
      readonly type: string
      readonly orderId: string | null
      readonly state: PaymentState
      /** When the provider created the event (Stripe: whole seconds, so ties happen). */
      readonly occurredAt: Date
    }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly type: string }

/**
 * A payment provider: authorize, capture, void, refund, status, lookup by order and webhooks.
 *
 * Idempotency: every mutating call takes an `idempotencyKey`. The same key with the same input
 * gives the same result (the same payment, the same decline, the same refund) and does the work
 * once, also when the calls race; the same key with different input (or for another operation)
 * throws `ConflictError` with code `idempotency.conflict`. Calls refused for their input or the
 * payment's state save nothing under the key. Providers keep keys for at least 24 hours.
 *
 * Errors every method may throw (all `CommerceError`s):
 * - `validation.failed` (`ValidationError`): bad input, e.g. a non-positive, fractional or unsafe
 *   amount, a currency other than the payment's, an empty key. Nothing was sent.
 * - `not_found` (`NotFoundError`, entity `payment`): unknown `paymentId`.
 * - `payment.invalid_state`: the payment's status forbids the call (capture after void, void after
 *   capture, refund before capture, a second capture). Details `{ paymentId, status, attempted }`.
 * - `payment.amount_exceeded`: capture above the authorized amount, refund above captured minus
 *   refunded. Details `{ paymentId, attempted, requested, available? }`. Nothing changed.
 * - `payment.provider_unavailable`: the provider could not be reached or failed; the outcome is
 *   unknown. Retry with the same idempotency key, or reconcile later with `status`/`findByOrder`.
 * - `payment.failed`: the provider refused the call for another reason (e.g. bad credentials).
 * - `idempotency.conflict` as above.
 */
export interface PaymentProvider {
  /** Stable id the order records in `payments.provider`, e.g. `stripe` or `test`. */
  readonly id: string
  /**
   * How long after a payment is created `findByOrder` may still miss it, in ms: 0 when lookups
   * are strongly consistent (test provider), Stripe's search index lag otherwise. Recovery must
   * not read "no payment" as final for orders younger than this.
   */
  readonly findByOrderLagMs: number
  /**
   * Authorizes (and with `capture: 'automatic'` captures) `amount` for `orderId`.
   * Returns the payment as `authorized`, `captured`, `requires_action` (the customer must act:
   * keep the order awaiting payment; the outcome arrives as a webhook) or `pending`.
   * A decline throws `PaymentError` `payment.declined` with details `{ paymentId, failureCode }`;
   * the failed payment exists with the provider (status `failed`) and a retry with the same key
   * throws the same decline.
   */
  authorize(input: AuthorizeInput): Promise<PaymentState>
  /** Captures an `authorized` payment, fully or partly. Returns it as `captured`. */
  capture(input: CaptureInput): Promise<PaymentState>
  /**
   * Cancels a payment that was not captured (`pending`, `requires_action`, `authorized`, `failed`)
   * and releases the hold. Returns it as `voided`. After capture, refund instead.
   */
  void(input: VoidInput): Promise<PaymentState>
  /**
   * Refunds part or all of what was captured. Returns the payment as `partially_refunded` or
   * `refunded` with the new refund's id. A replay returns the same `refundId`.
   */
  refund(input: RefundInput): Promise<RefundResult>
  /** The payment's current state, read from the provider (strongly consistent). */
  status(paymentId: string): Promise<PaymentState>
  /**
   * Every payment made for `orderId`, oldest first, failed and voided ones included, so recovery
   * can tell whether a crashed checkout charged anyone. `[]` when there are none (but see
   * `findByOrderLagMs`).
   */
  findByOrder(orderId: string): Promise<PaymentState[]>
  /**
   * Verifies a webhook's signature and translates it. Throws `ValidationError`
   * (`validation.failed`) with an issue at path `headers.<signature header>` for a missing, forged
   * or expired signature and at path `rawBody` for a body that is not a well-formed event;
   * answer those with HTTP 400. Pure: makes no provider calls and changes nothing.
   */
  parseWebhook(input: WebhookInput): Promise<PaymentWebhookEvent>
}
