import type { CommerceErrorCode } from '@souk/core'

/**
 * The HTTP status of every CommerceError code. A `Record` over the code union, so adding a code to
 * core without deciding its status here fails the type check.
 */
export const STATUS_BY_CODE: Readonly<Record<CommerceErrorCode, number>> = {
  'validation.failed': 400,
  not_found: 404,
  conflict: 409,
  'idempotency.conflict': 409,
  'cart.checked_out': 409,
  'config.invalid': 500,
  'storage.unavailable': 503,
  'storage.failed': 500,
  'storage.not_migrated': 500,
  'inventory.insufficient_stock': 409,
  'inventory.reservation_expired': 409,
  'inventory.reservation_released': 409,
  'inventory.reservation_committed': 409,
  'order.invalid_transition': 409,
  'payment.declined': 402,
  'payment.failed': 402,
  'payment.requires_action': 402,
  'payment.invalid_state': 409,
  'payment.amount_exceeded': 422,
  'payment.provider_unavailable': 503,
  'promotion.invalid': 422,
  'promotion.not_yet_valid': 422,
  'promotion.expired': 422,
  'promotion.minimum_not_met': 422,
  'promotion.exhausted': 422,
  'shipping.method_unavailable': 422,
  'shipping.provider_failed': 502,
  'flash_sale.sold_out': 409,
  'flash_sale.already_admitted': 409,
  'flash_sale.not_started': 409,
  'flash_sale.ended': 409,
  'search.unavailable': 503,
  'search.failed': 500,
  'shipment.mixed_sellers': 422,
  // A fraud check refused the order: retrying will not help; the shopper should contact the shop.
  'checkout.fraud_rejected': 422,
}

/** Status for a code; codes added to core after this file default to 500 at run time. */
export function statusForCode(code: string): number {
  return (STATUS_BY_CODE as Record<string, number>)[code] ?? 500
}
