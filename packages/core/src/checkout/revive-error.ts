import { CommerceError, type CommerceErrorCode } from '../errors/commerce-error.js'
import {
  ConflictError,
  FraudRejectedError,
  InsufficientStockError,
  NotFoundError,
  PaymentError,
  type StockShortfall,
  ValidationError,
  type ValidationIssue,
} from '../errors/error-classes.js'
import { PromotionError, type PromotionErrorDetails } from '../promotions/promotion-error.js'

/**
 * Rebuilds an error replayed from an idempotency key as the class it was thrown as, so callers'
 * `instanceof` checks see the same error the first request saw.
 */
export function reviveError(
  code: CommerceErrorCode,
  message: string,
  details: Record<string, unknown>,
): CommerceError {
  if (code === 'inventory.insufficient_stock')
    return new InsufficientStockError((details.shortfalls ?? []) as StockShortfall[])
  if (code === 'validation.failed')
    return new ValidationError(message, (details.issues ?? []) as ValidationIssue[])
  if (code === 'not_found' && typeof details.entity === 'string' && typeof details.id === 'string') {
    return new NotFoundError(details.entity, details.id)
  }
  if (code === 'conflict' || code === 'idempotency.conflict' || code === 'cart.checked_out') {
    return new ConflictError(message, details, { code })
  }
  if (code === 'checkout.fraud_rejected' && typeof details.cartId === 'string')
    return new FraudRejectedError(details.cartId)
  if (code.startsWith('payment.'))
    return new PaymentError(code as Extract<CommerceErrorCode, `payment.${string}`>, message, details)
  if (code.startsWith('promotion.')) {
    return new PromotionError(
      code as Extract<CommerceErrorCode, `promotion.${string}`>,
      message,
      details as unknown as PromotionErrorDetails,
    )
  }
  return new CommerceError(code, message, details)
}
