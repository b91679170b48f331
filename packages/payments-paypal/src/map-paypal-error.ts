import {
  ConflictError,
  isCommerceError,
  type Money,
  NotFoundError,
  PaymentError,
  type PaymentOperation,
  type PaymentStatus,
  paymentAmountExceeded,
  paymentDeclined,
  paymentInvalidState,
  paymentProviderUnavailable,
  ValidationError,
} from '@souk/core'

/** What the adapter was doing when PayPal answered with an error. */
export interface PaypalCallContext {
  readonly provider: string
  readonly operation: PaymentOperation | 'status' | 'find_by_order'
  /** Souk's payment id: the PayPal order id. */
  readonly paymentId?: string
  /** The payment's status before the call, when the adapter read it. */
  readonly status?: PaymentStatus
  readonly requested?: Money
}

/** The fields of the SDK's `ApiError` the mapping reads (duck-typed: the SDK may be another copy). */
interface ApiErrorLike extends Error {
  readonly statusCode: number
  readonly result?: {
    readonly name?: unknown
    readonly error?: unknown
    readonly debug_id?: unknown
    readonly details?: readonly { readonly issue?: unknown }[]
  }
}

// Orders v2 / Payments v2 issue codes, from PayPal's error reference pages.
const DECLINE_ISSUES = new Set([
  'INSTRUMENT_DECLINED',
  'TRANSACTION_REFUSED',
  'PAYER_CANNOT_PAY',
  'CARD_EXPIRED',
  'PAYER_ACCOUNT_RESTRICTED',
  'PAYER_ACCOUNT_LOCKED_OR_CLOSED',
  'REDIRECT_PAYER_FOR_ALTERNATE_FUNDING',
])
const INVALID_STATE_ISSUES = new Set([
  'AUTHORIZATION_ALREADY_CAPTURED',
  'AUTHORIZATION_VOIDED',
  'AUTHORIZATION_EXPIRED',
  'PREVIOUSLY_VOIDED',
  'PREVIOUSLY_CAPTURED',
  'CANNOT_BE_VOIDED',
  'ORDER_NOT_APPROVED',
  'ORDER_ALREADY_CAPTURED',
  'ORDER_ALREADY_AUTHORIZED',
  'ORDER_ALREADY_COMPLETED',
  'REFUND_NOT_ALLOWED',
  'REFUND_CAPTURE_CURRENCY_MISMATCH',
  'MAX_NUMBER_OF_REFUNDS_EXCEEDED',
  'TRANSACTION_DISPUTED',
])
const AMOUNT_ISSUES = new Set([
  // Nothing is left to refund: the same answer as a refund larger than what is left.
  'CAPTURE_FULLY_REFUNDED',
  'REFUND_AMOUNT_EXCEEDED',
  'MAX_CAPTURE_AMOUNT_EXCEEDED',
  'PARTIAL_REFUND_NOT_ALLOWED',
])
const CONFLICT_ISSUES = new Set(['PAYPAL_REQUEST_ID_PREVIOUSLY_USED', 'DUPLICATE_REQUEST_ID'])
// Errors that mean "no answer": the request may or may not have been carried out.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_BAD_RESPONSE',
])

function isApiError(error: unknown): error is ApiErrorLike {
  return error instanceof Error && typeof (error as Partial<ApiErrorLike>).statusCode === 'number'
}

/** PayPal's first issue code (`details[0].issue`), else its error name. */
export function paypalIssue(error: unknown): string | undefined {
  if (!isApiError(error)) return undefined
  const issue = error.result?.details?.find((d) => typeof d.issue === 'string')?.issue
  if (typeof issue === 'string') return issue
  const name = error.result?.name ?? error.result?.error
  return typeof name === 'string' ? name : undefined
}

/** True for failures after which the outcome is unknown: no answer, a 5xx, or a rate limit. */
export function isUnavailable(error: unknown): boolean {
  if (isApiError(error))
    return error.statusCode >= 500 || error.statusCode === 429 || error.statusCode === 408
  if (!(error instanceof Error) || isCommerceError(error)) return false
  const code = (error as { code?: unknown }).code
  return (
    error.name === 'AbortError' ||
    (error as { isAxiosError?: unknown }).isAxiosError === true ||
    (typeof code === 'string' && NETWORK_CODES.has(code))
  )
}

/**
 * Turns an error from `@paypal/paypal-server-sdk` into Souk's typed errors, keeping it as `cause`.
 * `CommerceError`s pass through unchanged.
 *
 * - no answer, 5xx, 429 → `payment.provider_unavailable` (retry with the same idempotency key)
 * - 404 → `not_found` (payment)
 * - PAYPAL_REQUEST_ID_PREVIOUSLY_USED → `idempotency.conflict`
 * - INSTRUMENT_DECLINED, TRANSACTION_REFUSED, ... → `payment.declined`
 * - AUTHORIZATION_VOIDED, AUTHORIZATION_ALREADY_CAPTURED, ... → `payment.invalid_state`
 * - REFUND_AMOUNT_EXCEEDED, ... → `payment.amount_exceeded`
 * - everything else (bad credentials, other refusals) → `payment.failed`
 */
export function mapPaypalError(error: unknown, context: PaypalCallContext): unknown {
  if (isCommerceError(error)) return error
  const { provider, operation, paymentId } = context
  if (isUnavailable(error)) {
    return paymentProviderUnavailable(provider, operation, paymentId ? { paymentId } : {}, error)
  }
  if (!isApiError(error)) {
    // The SDK refused the response's shape or its own arguments: not a PayPal outcome Souk can name.
    return new PaymentError(
      'payment.failed',
      `PayPal ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
      { provider, attempted: operation, ...(paymentId ? { paymentId } : {}) },
      { cause: error },
    )
  }
  const issue = paypalIssue(error)
  const debugId = typeof error.result?.debug_id === 'string' ? error.result.debug_id : undefined
  const paypalDetails = {
    httpStatus: error.statusCode,
    ...(issue === undefined ? {} : { paypalIssue: issue }),
    ...(debugId === undefined ? {} : { debugId }),
  }
  if (error.statusCode === 404 && paymentId !== undefined) {
    return Object.assign(new NotFoundError('payment', paymentId), { cause: error })
  }
  if (issue !== undefined && CONFLICT_ISSUES.has(issue)) {
    return new ConflictError(
      'This idempotency key was used for another PayPal request',
      { provider, ...paypalDetails },
      { code: 'idempotency.conflict', cause: error },
    )
  }
  if (issue !== undefined && DECLINE_ISSUES.has(issue) && operation === 'authorize') {
    return paymentDeclined(paymentId ?? null, issue, `PayPal declined the payment: ${issue}`, error)
  }
  if (issue === 'CURRENCY_MISMATCH') {
    return new ValidationError(
      'The amount is not in the payment currency',
      [{ path: 'amount.currency', message: "must be the payment's currency" }],
      {
        cause: error,
      },
    )
  }
  if (paymentId !== undefined && operation !== 'status' && operation !== 'find_by_order') {
    if (issue !== undefined && INVALID_STATE_ISSUES.has(issue)) {
      return paymentInvalidState(paymentId, context.status ?? 'unknown', operation, error)
    }
    if (
      issue !== undefined &&
      AMOUNT_ISSUES.has(issue) &&
      context.requested !== undefined &&
      (operation === 'capture' || operation === 'refund')
    ) {
      return paymentAmountExceeded(paymentId, operation, context.requested, undefined, error)
    }
  }
  return new PaymentError(
    'payment.failed',
    `PayPal refused ${operation}: ${issue ?? error.message}`,
    { provider, attempted: operation, ...(paymentId ? { paymentId } : {}), ...paypalDetails },
    { cause: error },
  )
}
