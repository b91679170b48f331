import {
  ConflictError,
  type Money,
  NotFoundError,
  PaymentError,
  type PaymentOperation,
  paymentAmountExceeded,
  paymentDeclined,
  paymentInvalidState,
  paymentProviderUnavailable,
  ValidationError,
} from '@souk/core'
import { type IntentSnapshot, paymentStateFromIntent } from './stripe-payment-state.js'

/** What the adapter was doing when Stripe answered with an error. */
export interface StripeCallContext {
  readonly provider: string
  readonly operation: PaymentOperation | 'status' | 'find_by_order'
  readonly paymentId?: string
  readonly requested?: Money
}

/** The fields of the SDK's `StripeError` the mapping reads (duck-typed: the SDK may be another copy). */
interface StripeErrorLike extends Error {
  readonly type: string
  readonly rawType?: string
  readonly code?: string
  readonly decline_code?: string
  readonly param?: string
  readonly statusCode?: number
  readonly requestId?: string
  readonly payment_intent?: IntentSnapshot
}

// Stripe error codes that mean "not in this state" rather than "bad input".
const INVALID_STATE_CODES = new Set([
  'payment_intent_unexpected_state',
  'charge_already_captured',
  'charge_expired_for_capture',
  'charge_not_refundable',
  'charge_disputed',
])
const AMOUNT_CODES = new Set(['amount_too_large', 'charge_already_refunded'])
const UNAVAILABLE_TYPES = new Set(['StripeConnectionError', 'StripeAPIError', 'StripeRateLimitError'])

function isStripeError(error: unknown): error is StripeErrorLike {
  if (!(error instanceof Error)) return false
  const type: unknown = (error as Partial<StripeErrorLike>).type
  return typeof type === 'string' && type.startsWith('Stripe')
}

/**
 * Turns an error the `stripe` SDK threw into Souk's typed errors; anything that is not a Stripe
 * API error is returned unchanged. The original error is always kept as `cause`.
 *
 * - card_error (402) → `payment.declined` with `{ paymentId, failureCode }` (decline_code, else code)
 * - idempotency_error → `idempotency.conflict`
 * - resource_missing → `not_found` (payment), or `validation.failed` for an unknown payment method
 * - unexpected state codes → `payment.invalid_state`; amount_too_large / charge_already_refunded
 *   on capture or refund → `payment.amount_exceeded`
 * - connection errors, 5xx api_error, rate limits → `payment.provider_unavailable` (retry with the
 *   same idempotency key)
 * - everything else (bad credentials, other invalid requests) → `payment.failed`
 */
export function mapStripeError(error: unknown, context: StripeCallContext): unknown {
  if (!isStripeError(error)) return error
  const paymentId = error.payment_intent?.id ?? context.paymentId
  const stripeDetails = {
    stripeType: error.rawType ?? error.type,
    ...(error.code === undefined ? {} : { stripeCode: error.code }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
  }
  if (error.type === 'StripeCardError') {
    return paymentDeclined(
      paymentId ?? null,
      error.decline_code ?? error.code ?? 'card_declined',
      error.message,
      error,
    )
  }
  if (error.type === 'StripeIdempotencyError') {
    return new ConflictError(
      error.message,
      { provider: context.provider, ...stripeDetails },
      { code: 'idempotency.conflict', cause: error },
    )
  }
  if (UNAVAILABLE_TYPES.has(error.type)) {
    return paymentProviderUnavailable(
      context.provider,
      context.operation,
      { ...(paymentId ? { paymentId } : {}), ...stripeDetails },
      error,
    )
  }
  if (error.type === 'StripeInvalidRequestError') {
    if (error.code === 'resource_missing') {
      if (error.param === 'payment_method') {
        return new ValidationError(error.message, [{ path: 'paymentMethod', message: 'unknown to Stripe' }], {
          cause: error,
        })
      }
      if (context.paymentId !== undefined) {
        const missing = new NotFoundError('payment', context.paymentId)
        return Object.assign(missing, { cause: error })
      }
    }
    const operation = context.operation
    if (
      error.code !== undefined &&
      INVALID_STATE_CODES.has(error.code) &&
      paymentId !== undefined &&
      isMutation(operation)
    ) {
      const status =
        error.payment_intent === undefined ? 'unknown' : paymentStateFromIntent(error.payment_intent).status
      return paymentInvalidState(paymentId, status, operation, error)
    }
    if (
      error.code !== undefined &&
      AMOUNT_CODES.has(error.code) &&
      paymentId !== undefined &&
      context.requested !== undefined &&
      (operation === 'capture' || operation === 'refund')
    ) {
      return paymentAmountExceeded(paymentId, operation, context.requested, undefined, error)
    }
  }
  return new PaymentError(
    'payment.failed',
    `Stripe refused ${context.operation}: ${error.message}`,
    {
      provider: context.provider,
      attempted: context.operation,
      ...(paymentId ? { paymentId } : {}),
      ...stripeDetails,
    },
    { cause: error },
  )
}

function isMutation(operation: StripeCallContext['operation']): operation is PaymentOperation {
  return (
    operation === 'authorize' || operation === 'capture' || operation === 'void' || operation === 'refund'
  )
}
