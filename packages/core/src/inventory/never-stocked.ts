import { InsufficientStockError, NotFoundError } from '../errors/error-classes.js'
import type { ReservationLine } from './inventory-types.js'

/**
 * A SKU the catalog sells but inventory has never stocked holds nothing: to a buyer it is out of
 * stock, available 0 (what `getProduct` shows), not unknown. Cart, `inventory.reserve` and
 * checkout answer it with this `inventory.insufficient_stock`, so the first product a shop adds
 * without `setStock` says what is wrong with it.
 */
export function neverStocked(lines: readonly ReservationLine[]): InsufficientStockError {
  return new InsufficientStockError(lines.map((l) => ({ sku: l.sku, requested: l.quantity, available: 0 })))
}

/** The SKU a store refused as unknown (`NotFoundError('sku')`), else null. */
export function unknownSkuOf(error: unknown): string | null {
  return error instanceof NotFoundError && error.details.entity === 'sku' ? error.details.id : null
}
