import type { Clock } from '../clock/clock.js'
import { isCommerceError } from '../errors/commerce-error.js'
import { type Money, money } from '../money/money.js'
import type { CartRecord } from '../ports/cart-store.js'
import type { PromotionStore } from '../ports/promotion-store.js'
import type { TaxCalculator } from '../ports/tax-calculator.js'
import { calculateTotals } from '../pricing/compute-totals.js'
import type { Totals } from '../pricing/totals-types.js'
import { PromotionError } from '../promotions/promotion-error.js'
import type { Promotion } from '../promotions/promotion-types.js'
import type { ShippingService } from '../shipping/shipping-service.js'
import type { CartView, SellableVariant, VariantLookup } from './cart-types.js'

export interface CartPricerDeps {
  readonly variants: VariantLookup
  readonly shipping: Pick<ShippingService, 'quoteMethod'>
  readonly promotions: Pick<PromotionStore, 'getByCode' | 'countRedemptions'>
  readonly taxCalculator: TaxCalculator | null
  readonly pricesIncludeTax: boolean
  readonly clock: Clock
}

export interface PriceOptions {
  /** Throw the promotion's error instead of pricing without it (used when a code is applied). */
  readonly strictPromotion?: boolean
}

/**
 * Prices a cart at today's prices: lines, the chosen shipping method's quote, the promo code and
 * tax, with the same arithmetic checkout uses, so the total a shopper sees is the total charged.
 */
export function createCartPricer(deps: CartPricerDeps) {
  return async function price(cart: CartRecord, options: PriceOptions = {}): Promise<CartView> {
    const found = new Map(
      (
        await deps.variants(
          cart.lines.map((l) => l.sku),
          cart.currency,
        )
      ).map((v) => [v.sku, v]),
    )
    const sellable = (v: SellableVariant | undefined): v is SellableVariant & { price: Money } =>
      v !== undefined && v.status === 'active' && v.price !== null
    const lines = cart.lines.filter((l) => sellable(found.get(l.sku)))
    const unavailableSkus = cart.lines.filter((l) => !sellable(found.get(l.sku))).map((l) => l.sku)
    const subtotal = money(
      lines.reduce((t, l) => t + found.get(l.sku)!.price!.amount * l.quantity, 0),
      cart.currency,
    )

    let shippingRate: Money | null = null
    const address = cart.shippingAddress
    if (cart.shippingMethodId && address && lines.length > 0) {
      const quote = await deps.shipping
        .quoteMethod({
          methodId: cart.shippingMethodId,
          destination: {
            country: address.country,
            ...(address.region ? { region: address.region } : {}),
            ...(address.postalCode ? { postalCode: address.postalCode } : {}),
          },
          items: lines.map((l) => ({
            sku: l.sku,
            quantity: l.quantity,
            weightGrams: found.get(l.sku)!.weightGrams,
          })),
          subtotal,
        })
        .catch(() => null)
      shippingRate = quote?.price ?? null
    }

    let promotion: Promotion | null = null
    let promotionError: CartView['promotionError'] = null
    if (cart.promoCode) {
      promotion = await deps.promotions.getByCode(cart.promoCode)
      if (!promotion) {
        const error = new PromotionError('promotion.invalid', `Promo code ${cart.promoCode} does not exist`, {
          promotionCode: cart.promoCode,
          reason: 'unknown_code',
        })
        if (options.strictPromotion) throw error
        promotionError = { code: error.code, message: error.message }
      }
    }
    const base = {
      currency: cart.currency,
      lines: lines.map((l) => ({ id: l.sku, unitPrice: found.get(l.sku)!.price!, quantity: l.quantity })),
      now: deps.clock.now(),
      customerId: cart.customerId,
      shippingRate,
      destination: address
        ? { country: address.country, ...(address.region ? { region: address.region } : {}) }
        : null,
      pricesIncludeTax: deps.pricesIncludeTax,
      taxCalculator: deps.taxCalculator,
    }
    let totals: Totals
    try {
      const customerRedemptions =
        promotion?.perCustomerLimit && cart.customerId
          ? await deps.promotions.countRedemptions({ promotionId: promotion.id, customerId: cart.customerId })
          : undefined
      totals = await calculateTotals({
        ...base,
        promotion,
        ...(customerRedemptions === undefined ? {} : { customerRedemptions }),
      })
    } catch (error) {
      if (!promotion || !isCommerceError(error) || !error.code.startsWith('promotion.')) throw error
      if (options.strictPromotion) throw error
      promotionError = { code: error.code, message: error.message }
      totals = await calculateTotals({ ...base, promotion: null })
    }

    const byId = new Map(totals.lines.map((l) => [l.id, l]))
    return {
      id: cart.id,
      customerId: cart.customerId,
      currency: cart.currency,
      email: cart.email,
      lines: lines.map((l) => {
        const v = found.get(l.sku)!
        const t = byId.get(l.sku)!
        return {
          sku: l.sku,
          quantity: l.quantity,
          productId: v.productId,
          variantId: v.variantId,
          sellerId: v.sellerId,
          name: v.name,
          weightGrams: v.weightGrams,
          unitPrice: t.unitPrice,
          subtotal: t.subtotal,
          discount: t.discount,
          tax: t.tax,
          total: t.total,
        }
      }),
      promoCode: cart.promoCode,
      shippingAddress: cart.shippingAddress,
      shippingMethodId: cart.shippingMethodId,
      totals: {
        subtotal: totals.subtotal,
        discountTotal: totals.discountTotal,
        shippingTotal: totals.shippingTotal,
        taxTotal: totals.taxTotal,
        total: totals.total,
        itemCount: totals.itemCount,
      },
      orderId: cart.orderId,
      unavailableSkus,
      promotionError,
      version: cart.version,
      updatedAt: cart.updatedAt,
      expiresAt: cart.expiresAt,
    }
  }
}
