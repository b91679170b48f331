import {
  ConflictError,
  InsufficientStockError,
  NotFoundError,
  PromotionError,
  type PromotionErrorCode,
  type PromotionErrorDetails,
  ReservationStateError,
  type StockShortfall,
} from '@souk/core'
import { parseJson } from './inventory/row-mappers.js'

interface DriverError {
  code?: string
  detail?: string
}

/**
 * Turns the refusals raised by Souk's own functions (SQLSTATE class `SK`, see migration 008) into
 * the typed errors they stand for; any other error is returned as it is.
 */
export function mapSoukRefusal(error: unknown): unknown {
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError
  if (typeof e.code !== 'string' || !e.code.startsWith('SK')) return error
  const detail = parseJson<Record<string, unknown>>(e.detail ?? '{}')
  switch (e.code) {
    case 'SK001':
      return new InsufficientStockError(
        (detail as unknown as { sku: string; requested: number | string; available: number | string }[]).map(
          (s): StockShortfall => ({
            sku: s.sku,
            requested: Number(s.requested),
            available: Math.max(0, Number(s.available)),
          }),
        ),
      )
    case 'SK002':
      return new NotFoundError('sku', String(detail.sku))
    case 'SK003': {
      const cartId = String(detail.cartId)
      const orderId = detail.orderId as string | null
      return orderId
        ? new ConflictError(
            `Cart ${cartId} was already checked out as order ${orderId}`,
            { cartId, orderId },
            { code: 'cart.checked_out' },
          )
        : new ConflictError(`Cart ${cartId} changed while it was checked out; try again`, { cartId })
    }
    case 'SK004': {
      const details = (detail.details ?? {}) as Record<string, unknown>
      const dates = Object.fromEntries(
        Object.entries(details).map(([k, v]) =>
          (k === 'startsAt' || k === 'endsAt') && typeof v === 'string' ? [k, new Date(v)] : [k, v],
        ),
      )
      return new PromotionError(
        detail.code as PromotionErrorCode,
        String(detail.message),
        dates as unknown as PromotionErrorDetails,
      )
    }
    case 'SK005': {
      const status = String(detail.status)
      return new ReservationStateError(
        status === 'released' ? 'inventory.reservation_released' : 'inventory.reservation_expired',
        String(detail.reservationId),
        status,
        'commit',
      )
    }
    default:
      return error
  }
}
