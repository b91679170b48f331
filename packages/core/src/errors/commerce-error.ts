/**
 * Every stable error code Souk throws. Codes are part of the public API: host apps switch on them,
 * the example server maps them to HTTP statuses. Add, never rename.
 */
export type CommerceErrorCode =
  | 'validation.failed'
  | 'not_found'
  | 'conflict'
  | 'idempotency.conflict'
  | 'config.invalid'
  | 'storage.unavailable'
  | 'storage.failed'
  | 'storage.not_migrated'
  | 'inventory.insufficient_stock'
  | 'inventory.reservation_expired'
  | 'inventory.reservation_released'
  | 'inventory.reservation_committed'
  | 'order.invalid_transition'
  | 'payment.declined'
  | 'payment.failed'
  | 'payment.requires_action'
  | 'payment.invalid_state'
  | 'payment.amount_exceeded'
  | 'payment.provider_unavailable'
  | 'cart.checked_out'
  | 'promotion.invalid'
  | 'promotion.not_yet_valid'
  | 'promotion.expired'
  | 'promotion.minimum_not_met'
  | 'promotion.exhausted'
  | 'shipping.method_unavailable'
  | 'shipping.provider_failed'
  | 'flash_sale.sold_out'
  | 'flash_sale.already_admitted'
  | 'flash_sale.not_started'
  | 'flash_sale.ended'
  | 'search.unavailable'
  | 'search.failed'
  | 'shipment.mixed_sellers'
  | 'checkout.fraud_rejected'

export type ErrorDetails = Readonly<Record<string, unknown>>

/** Base class of every error Souk throws on purpose. `code` is stable; `details` is structured data. */
export class CommerceError<D extends ErrorDetails = ErrorDetails> extends Error {
  readonly code: CommerceErrorCode
  readonly details: D

  constructor(code: CommerceErrorCode, message: string, details: D, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.details = details
  }

  /** A JSON-safe shape for logs and HTTP bodies; never includes the cause's stack. */
  toJSON(): { code: CommerceErrorCode; message: string; details: D } {
    return { code: this.code, message: this.message, details: this.details }
  }
}

/** True when `error` is a CommerceError, optionally with the given code. */
export function isCommerceError(error: unknown, code?: CommerceErrorCode): error is CommerceError {
  return error instanceof CommerceError && (code === undefined || error.code === code)
}
