import { CommerceError, type CommerceErrorCode } from './commerce-error.js'

export interface ValidationIssue {
  /** Dotted path into the input, e.g. `lines.0.quantity`. */
  readonly path: string
  readonly message: string
}

/** Input failed its schema. Nothing was changed. */
export class ValidationError extends CommerceError<{ issues: readonly ValidationIssue[] }> {
  constructor(message: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super('validation.failed', message, { issues }, options)
  }
}

/** The entity does not exist, or the caller may not see it (ownership checks answer the same way). */
export class NotFoundError extends CommerceError<{ entity: string; id: string }> {
  constructor(entity: string, id: string) {
    super('not_found', `${entity} ${id} was not found`, { entity, id })
  }
}

/** A concurrent change or a uniqueness rule stopped the write. */
export class ConflictError extends CommerceError {
  constructor(
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown; code?: 'conflict' | 'idempotency.conflict' | 'cart.checked_out' },
  ) {
    super(options?.code ?? 'conflict', message, details, options)
  }
}

export interface StockShortfall {
  readonly sku: string
  readonly requested: number
  readonly available: number
}

/** Not enough available stock for every line; reports each short SKU. Nothing was reserved. */
export class InsufficientStockError extends CommerceError<{ shortfalls: readonly StockShortfall[] }> {
  constructor(shortfalls: readonly StockShortfall[]) {
    const skus = shortfalls.map((s) => `${s.sku} (requested ${s.requested}, available ${s.available})`)
    super('inventory.insufficient_stock', `Insufficient stock: ${skus.join(', ')}`, { shortfalls })
  }
}

/** A state machine refused a transition (orders, payments). */
export class InvalidTransitionError extends CommerceError<{
  entity: string
  id: string
  from: string
  to: string
}> {
  constructor(entity: string, id: string, from: string, to: string) {
    super('order.invalid_transition', `${entity} ${id} cannot go from ${from} to ${to}`, {
      entity,
      id,
      from,
      to,
    })
  }
}

export type ReservationStateCode = Extract<
  CommerceErrorCode,
  'inventory.reservation_expired' | 'inventory.reservation_released' | 'inventory.reservation_committed'
>

/** A reservation is no longer in a state that allows the requested operation. */
export class ReservationStateError extends CommerceError<{
  reservationId: string
  status: string
  attempted: 'commit' | 'release'
}> {
  constructor(
    code: ReservationStateCode,
    reservationId: string,
    status: string,
    attempted: 'commit' | 'release',
  ) {
    super(code, `Cannot ${attempted} reservation ${reservationId}: it is ${status}`, {
      reservationId,
      status,
      attempted,
    })
  }
}

/** The payment provider declined, failed, or needs the customer to act. */
export class PaymentError extends CommerceError {
  constructor(
    code: Extract<CommerceErrorCode, `payment.${string}`>,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options)
  }
}

/** Souk was wired with an invalid configuration. */
export class ConfigError extends CommerceError<{ issues: readonly ValidationIssue[] }> {
  constructor(message: string, issues: readonly ValidationIssue[] = []) {
    super('config.invalid', message, { issues })
  }
}

/**
 * The storage backend failed in a way that is not a domain rule: connection lost or timed out
 * (`storage.unavailable`), tables missing because `migrate()` was never called
 * (`storage.not_migrated`), anything else (`storage.failed`).
 */
export class StorageError extends CommerceError {
  constructor(
    code: Extract<CommerceErrorCode, `storage.${string}`>,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options)
  }
}

export type FlashSaleErrorCode = Extract<CommerceErrorCode, `flash_sale.${string}`>

// A type alias, not an interface: CommerceError's details must be indexable.
export type FlashSaleErrorDetails = {
  readonly saleId: string
  readonly customerId: string
  /** `already_admitted`: admissions the customer holds and the sale's per-customer limit. */
  readonly held?: number
  readonly limit?: number
  /** `not_started` / `ended`: the sale's window, ISO-8601. */
  readonly startsAt?: string
  readonly endsAt?: string
}

/** A flash-sale gate turned the customer away (sold out, limit reached, outside the window). */
export class FlashSaleError extends CommerceError<FlashSaleErrorDetails> {
  constructor(code: FlashSaleErrorCode, message: string, details: FlashSaleErrorDetails) {
    super(code, message, details)
  }
}

/**
 * A shipment would hold the lines of more than one seller (lines without a seller count as one
 * more): each seller ships their own part of an order. Nothing was recorded.
 */
export class MixedSellerShipmentError extends CommerceError<{
  orderId: string
  /** The sellers of the parcel's lines, null for lines without a seller, sorted. */
  sellerIds: readonly (string | null)[]
}> {
  constructor(orderId: string, sellerIds: readonly (string | null)[]) {
    super(
      'shipment.mixed_sellers',
      `A shipment of order ${orderId} may hold the lines of one seller only; ship each seller's part on its own`,
      { orderId, sellerIds },
    )
  }
}

/**
 * A fraud check refused the checkout: nothing was created or charged. The reasons go to the log and
 * staff, never to the shopper (they would teach a fraudster which rule tripped).
 */
export class FraudRejectedError extends CommerceError<{ cartId: string }> {
  constructor(cartId: string) {
    super('checkout.fraud_rejected', 'This order could not be placed. Please contact us to complete it.', {
      cartId,
    })
  }
}
