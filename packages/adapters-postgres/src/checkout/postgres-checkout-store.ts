import type { CheckoutKey, CheckoutStore } from '@souk/core'
import type { Selectable } from 'kysely'
import type { CartsTable } from '../carts/cart-tables.js'
import { toCart } from '../carts/postgres-cart-store.js'
import { toVariantPricing, type VariantPricingRow } from '../catalog/row-mappers.js'
import { parseJson } from '../inventory/row-mappers.js'
import { withMappedErrors } from '../map-postgres-error.js'
import type { HotPath } from './hot-path.js'

interface KeyJson {
  requestHash: string
  status: 'in_progress' | 'completed'
  resourceId: string | null
  response: unknown
  lockedUntil: string | null
  expiresAt: string
}

function toKey(json: KeyJson | null): CheckoutKey | null {
  if (!json) return null
  return {
    requestHash: json.requestHash,
    status: json.status,
    resourceId: json.resourceId,
    response: json.response,
    lockedUntil: json.lockedUntil === null ? null : new Date(json.lockedUntil),
    expiresAt: new Date(json.expiresAt),
  }
}

type CartJson = Omit<Selectable<CartsTable>, 'created_at' | 'updated_at' | 'expires_at' | 'abandoned_at'> & {
  created_at: string
  updated_at: string
  expires_at: string
  abandoned_at: string | null
}

function cartFromJson(json: CartJson) {
  return toCart({
    ...json,
    created_at: new Date(json.created_at),
    updated_at: new Date(json.updated_at),
    expires_at: new Date(json.expires_at),
    abandoned_at: json.abandoned_at === null ? null : new Date(json.abandoned_at),
  })
}

/**
 * Checkout on Postgres: `checkout_read`, `checkout_begin` and `checkout_finish` (migration 008),
 * each one statement sent through `hot`, which prepares them as named statements where it can.
 */
export function createPostgresCheckoutStore(hot: HotPath, schema: string): CheckoutStore {
  const q = (name: string) => `"${schema}"."${name}"`
  // Migration 013: the fourth argument is the instant to price at (scheduled prices).
  const READ = `select key, cart, variants from ${q('checkout_read')}($1, $2, $3, $4::timestamptz)`
  const BEGIN = `select ${q('checkout_begin')}($1::jsonb) as result`
  const FINISH = `select ${q('checkout_finish')}($1::jsonb) as result`

  return {
    read: ({ scope, key, cartId, at }) =>
      withMappedErrors(async () => {
        const [row] = await hot<{ key: unknown; cart: unknown; variants: unknown }>(
          'souk_checkout_read_at',
          READ,
          [scope, key, cartId, at?.toISOString() ?? null],
        )
        const cart = parseJson<CartJson | null>(row?.cart ?? null)
        return {
          key: toKey(parseJson<KeyJson | null>(row?.key ?? null)),
          cart: cart ? cartFromJson(cart) : null,
          variants:
            cart === null
              ? []
              : parseJson<VariantPricingRow[]>(row?.variants ?? []).map((v) =>
                  toVariantPricing(v, cart.currency),
                ),
        }
      }),

    begin: (input) =>
      withMappedErrors(async () => {
        const { order, reservation } = input
        const payload = {
          scope: input.key.scope,
          key: input.key.key,
          requestHash: input.key.requestHash,
          lockedUntil: input.key.lockedUntil,
          expiresAt: input.key.expiresAt,
          at: input.at,
          cartId: order.cartId,
          cartVersion: input.cartVersion,
          order: {
            id: order.id,
            customerId: order.customerId,
            email: order.email,
            currency: order.currency,
            subtotal: order.totals.subtotal.amount,
            discountTotal: order.totals.discountTotal.amount,
            shippingTotal: order.totals.shippingTotal.amount,
            taxTotal: order.totals.taxTotal.amount,
            total: order.totals.total.amount,
            shippingAddress: order.shippingAddress,
            billingAddress: order.billingAddress,
            shippingMethodId: order.shippingMethodId,
            promoCode: order.promoCode,
            paymentProvider: order.paymentProvider,
            // Stored by checkout_begin as patched in migration 014.
            estimatedDelivery: order.estimatedDelivery ?? null,
          },
          lines: order.lines.map((l) => ({
            id: l.id,
            sku: l.sku,
            productId: l.productId,
            variantId: l.variantId,
            sellerId: l.sellerId,
            name: l.name,
            quantity: l.quantity,
            unitPrice: l.unitPrice.amount,
            discount: l.discount.amount,
            tax: l.tax.amount,
            total: l.total.amount,
          })),
          reservation: {
            id: reservation.id,
            expiresAt: reservation.expiresAt,
            skus: reservation.lines.map((l) => l.sku),
            quantities: reservation.lines.map((l) => l.quantity),
            allocations: reservation.allocations,
          },
          promotion: input.promotion,
          outbox: input.outbox,
        }
        const [row] = await hot<{ result: unknown }>('souk_checkout_begin', BEGIN, [JSON.stringify(payload)])
        const result = parseJson<{
          outcome: 'created' | 'key_taken'
          displayNumber?: string
          allocations?: { sku: string; locationId: string; quantity: number | string }[]
          key?: KeyJson
        }>(row!.result)
        if (result.outcome === 'key_taken') return { outcome: 'key_taken', key: toKey(result.key ?? null)! }
        return {
          outcome: 'created',
          displayNumber: String(result.displayNumber),
          allocations: (result.allocations ?? []).map((a) => ({
            sku: a.sku,
            locationId: a.locationId,
            quantity: Number(a.quantity),
          })),
        }
      }),

    finish: (input) =>
      withMappedErrors(async () => {
        const { payment } = input
        const payload = {
          orderId: input.orderId,
          to: input.to,
          note: input.note,
          at: input.at,
          payment: payment && {
            id: payment.id,
            provider: payment.provider,
            paymentId: payment.state.paymentId,
            status: payment.state.status,
            currency: payment.state.amount.currency,
            amount: payment.state.amount.amount,
            capturedAmount: payment.state.capturedAmount.amount,
            refundedAmount: payment.state.refundedAmount.amount,
            state: payment.state,
          },
          key: input.key,
          response: input.response ?? null,
          outbox: input.outbox,
          // Migration 016: staff deciding a held order, and what to write if the order is held.
          ...(input.from ? { from: input.from } : {}),
          ...(input.held ? { held: input.held } : {}),
          ...(input.decidedBy ? { decidedBy: input.decidedBy } : {}),
        }
        const [row] = await hot<{ result: unknown }>('souk_checkout_finish', FINISH, [
          JSON.stringify(payload),
        ])
        const result = parseJson<{
          moved: boolean
          status: string
          updatedAt: string
          reservation: { id: string; status: string } | null
        }>(row!.result)
        return {
          moved: result.moved,
          status: result.status as never,
          updatedAt: new Date(result.updatedAt),
          reservation: result.reservation,
        }
      }),
  }
}
