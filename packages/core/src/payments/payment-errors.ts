import { PaymentError } from '../errors/error-classes.js'
import type { Money } from '../money/money.js'
import type { PaymentOperation, PaymentStatus } from '../ports/payment-provider.js'

/**
 * The typed errors every payment provider throws, built in one place so the test provider and the
 * adapters agree on codes and details.
 */

/** `payment.declined`: the payment method was refused. The failed payment exists as `paymentId`. */
export function paymentDeclined(
  paymentId: string | null,
  failureCode: string,
  message = `Payment declined: ${failureCode}`,
  cause?: unknown,
): PaymentError {
  return new PaymentError('payment.declined', message, { paymentId, failureCode }, { cause })
}

/** `payment.invalid_state`: the payment's status forbids `attempted`. */
export function paymentInvalidState(
  paymentId: string,
  status: PaymentStatus | 'unknown',
  attempted: PaymentOperation | 'complete_action',
  cause?: unknown,
): PaymentError {
  return new PaymentError(
    'payment.invalid_state',
    `Cannot ${attempted.replace('_', ' ')} payment ${paymentId}: it is ${status}`,
    { paymentId, status, attempted },
    { cause },
  )
}

/** `payment.amount_exceeded`: more than can be captured or refunded. `available` when known. */
export function paymentAmountExceeded(
  paymentId: string,
  attempted: Extract<PaymentOperation, 'capture' | 'refund'>,
  requested: Money,
  available?: Money,
  cause?: unknown,
): PaymentError {
  const limit = available === undefined ? '' : ` (at most ${available.amount} ${available.currency})`
  return new PaymentError(
    'payment.amount_exceeded',
    `Cannot ${attempted} ${requested.amount} ${requested.currency} on payment ${paymentId}${limit}`,
    available === undefined
      ? { paymentId, attempted, requested }
      : { paymentId, attempted, requested, available },
    { cause },
  )
}

/** `payment.provider_unavailable`: the outcome is unknown; retry with the same idempotency key. */
export function paymentProviderUnavailable(
  provider: string,
  attempted: PaymentOperation | 'status' | 'find_by_order',
  details: Record<string, unknown>,
  cause?: unknown,
): PaymentError {
  return new PaymentError(
    'payment.provider_unavailable',
    `Payment provider ${provider} did not answer ${attempted}; retry with the same idempotency key`,
    { provider, attempted, ...details },
    { cause },
  )
}
