import type { Clock } from '../clock/clock.js'
import type { Address } from '../customers/address-schemas.js'
import { isCommerceError } from '../errors/commerce-error.js'
import { ValidationError } from '../errors/error-classes.js'
import { type Money, money } from '../money/money.js'
import type { CartLineRecord, CartRecord } from '../ports/cart-store.js'
import type { PromotionStore } from '../ports/promotion-store.js'
import type { TaxCalculator } from '../ports/tax-calculator.js'
import { calculateTotals } from '../pricing/compute-totals.js'
import type { Totals } from '../pricing/totals-types.js'
import { PromotionError } from '../promotions/promotion-error.js'
import type { Promotion } from '../promotions/promotion-types.js'
import { ShippingUnavailableError } from '../shipping/shipping-errors.js'
import type { ShippingService } from '../shipping/shipping-service.js'
import type { ShippingQuote } from '../shipping/shipping-types.js'
import type { CartView, SellableVariant, VariantLookup } from './cart-types.js'

export interface CartPricerDeps {
  readonly variants: VariantLookup
  readonly shipping: Pick<ShippingService, 'quote' | 'quoteMethod'>
  readonly promotions: Pick<PromotionStore, 'getByCode' | 'countRedemptions'>
  readonly taxCalculator: TaxCalculator | null
  readonly pricesIncludeTax: boolean
  readonly clock: Clock
}

/** A stored cart to price, and how. */
export interface PriceInput {
  readonly cart: CartRecord
  /**
   * Checkout's mode: unsellable lines, an unknown or inapplicable promo code and an unavailable
   * shipping method throw instead of being left out. Default false (a cart view shows what it can).
   */
  readonly strict?: boolean
  /** Only the promo code is strict (applying a code to a cart). Default false. */
  readonly strictPromotion?: boolean
  /**
   * Variants already read in the cart's currency (e.g. with the cart, by `CartStore.readForEdit`);
   * only the cart's SKUs missing from them are looked up. Default: every SKU is looked up.
   */
  readonly variants?: readonly SellableVariant[]
}

/** A cart priced at today's prices, with what the view and checkout need. */
export interface PricedCart {
  readonly totals: Totals
  /** The sellable lines, in cart order. */
  readonly lines: readonly {
    readonly line: CartLineRecord
    readonly variant: SellableVariant & { readonly price: Money }
  }[]
  readonly unavailableSkus: readonly string[]
  readonly promotion: Promotion | null
  readonly promotionError: CartView['promotionError']
  /** The chosen shipping method's quote, as `totals.shippingTotal` holds it; null without one. */
  readonly shippingQuote: ShippingQuote | null
  /** What can ship the cart to its address (not strict only; checkout does not list them). */
  readonly shippingOptions: readonly ShippingQuote[]
  readonly shippingError: CartView['shippingError']
}

type Sellable = SellableVariant & { readonly price: Money }
const sellable = (v: SellableVariant | undefined): v is Sellable =>
  v !== undefined && v.status === 'active' && v.price !== null

function destinationOf(address: Address) {
  return {
    country: address.country,
    ...(address.region ? { region: address.region } : {}),
    ...(address.postalCode ? { postalCode: address.postalCode } : {}),
  }
}

/**
 * Prices carts: lines at today's prices, the chosen shipping method's quote, the promo code and
 * tax. The cart service and checkout share one pricer, so the total a shopper sees is the total
 * charged.
 */
export interface CartPricer {
  /** The cart's totals, its sellable lines and what was left out. */
  price(input: PriceInput): Promise<PricedCart>
  /** What callers of the cart service see. */
  view(input: PriceInput): Promise<CartView>
}

export function createCartPricer(deps: CartPricerDeps): CartPricer {
  async function price(options: PriceInput): Promise<PricedCart> {
    const { cart } = options
    const found = new Map((options.variants ?? []).map((v) => [v.sku, v]))
    const missing = cart.lines.map((l) => l.sku).filter((sku) => !found.has(sku))
    if (missing.length > 0) {
      for (const v of await deps.variants(missing, cart.currency)) found.set(v.sku, v)
    }
    const lines = cart.lines.flatMap((line) => {
      const variant = found.get(line.sku)
      return sellable(variant) ? [{ line, variant }] : []
    })
    const unavailableSkus = cart.lines.filter((l) => !sellable(found.get(l.sku))).map((l) => l.sku)
    if (options.strict && unavailableSkus.length > 0) {
      throw new ValidationError(
        `Some items can no longer be bought: ${unavailableSkus.join(', ')}`,
        unavailableSkus.map((sku) => ({ path: `lines.${sku}`, message: 'no longer available' })),
      )
    }
    const subtotal = money(
      lines.reduce((t, { line, variant }) => t + variant.price.amount * line.quantity, 0),
      cart.currency,
    )

    const address = cart.shippingAddress
    const methodId = cart.shippingMethodId
    if (methodId && options.strict && !address) {
      throw new ValidationError('A shipping address is required', [
        { path: 'shippingAddress', message: 'required with a shipping method' },
      ])
    }
    let shippingQuote: ShippingQuote | null = null
    let shippingOptions: ShippingQuote[] = []
    let shippingError: CartView['shippingError'] = null
    if (address && lines.length > 0) {
      const request = {
        destination: destinationOf(address),
        items: lines.map(({ line, variant }) => ({
          sku: line.sku,
          quantity: line.quantity,
          weightGrams: variant.weightGrams,
        })),
        subtotal,
      }
      if (options.strict) {
        if (methodId) shippingQuote = await deps.shipping.quoteMethod({ methodId, ...request })
      } else {
        // Every method for the address, in the one round of quotes the chosen method needs anyway
        // (quoteMethod asks every provider too), so the view can offer them and say honestly when
        // the chosen one cannot serve the address instead of showing a shipping of 0.
        try {
          shippingOptions = await deps.shipping.quote(request)
          shippingQuote = shippingOptions.find((q) => q.methodId === methodId) ?? null
          if (methodId && !shippingQuote) {
            const refused = new ShippingUnavailableError(methodId, request.destination)
            shippingError = { code: 'shipping.method_unavailable', message: refused.message }
          }
        } catch (error) {
          // Every provider failed, or the address cannot be quoted at all: no method serves it.
          // Anything else (storage down) is not about shipping and fails the call.
          const providers = isCommerceError(error, 'shipping.provider_failed')
          if (!providers && !isCommerceError(error, 'validation.failed')) throw error
          if (methodId) {
            shippingError = providers
              ? { code: 'shipping.provider_failed', message: error.message }
              : {
                  code: 'shipping.method_unavailable',
                  message: new ShippingUnavailableError(methodId, request.destination).message,
                }
          }
        }
      }
    } else if (methodId && !address && lines.length > 0) {
      shippingError = {
        code: 'validation.failed',
        message: 'A shipping address is required to price the shipping method',
      }
    }
    const shippingRate: Money | null = shippingQuote?.price ?? null

    let promotion: Promotion | null = null
    let promotionError: CartView['promotionError'] = null
    if (cart.promoCode) {
      promotion = await deps.promotions.getByCode(cart.promoCode)
      if (!promotion) {
        const error = new PromotionError('promotion.invalid', `Promo code ${cart.promoCode} does not exist`, {
          promotionCode: cart.promoCode,
          reason: 'unknown_code',
        })
        if (options.strict || options.strictPromotion) throw error
        promotionError = { code: error.code, message: error.message }
      }
    }
    const base = {
      currency: cart.currency,
      lines: lines.map(({ line, variant }) => ({
        id: line.sku,
        unitPrice: variant.price,
        quantity: line.quantity,
      })),
      now: deps.clock.now(),
      customerId: cart.customerId,
      shippingRate,
      destination: address
        ? { country: address.country, ...(address.region ? { region: address.region } : {}) }
        : null,
      pricesIncludeTax: deps.pricesIncludeTax,
      taxCalculator: deps.taxCalculator,
    }
    try {
      const customerRedemptions =
        promotion?.perCustomerLimit && cart.customerId
          ? await deps.promotions.countRedemptions({ promotionId: promotion.id, customerId: cart.customerId })
          : undefined
      const totals = await calculateTotals({
        ...base,
        promotion,
        ...(customerRedemptions === undefined ? {} : { customerRedemptions }),
      })
      return {
        totals,
        lines,
        unavailableSkus,
        promotion,
        promotionError,
        shippingQuote,
        shippingOptions,
        shippingError,
      }
    } catch (error) {
      const strictPromotion = options.strict || options.strictPromotion
      if (strictPromotion || !promotion || !isCommerceError(error) || !error.code.startsWith('promotion.'))
        throw error
      const totals = await calculateTotals({ ...base, promotion: null })
      return {
        totals,
        lines,
        unavailableSkus,
        promotion: null,
        promotionError: { code: error.code, message: error.message },
        shippingQuote,
        shippingOptions,
        shippingError,
      }
    }
  }

  async function view(input: PriceInput): Promise<CartView> {
    const { cart } = input
    const { totals, lines, unavailableSkus, promotionError, shippingQuote, shippingOptions, shippingError } =
      await price(input)
    const byId = new Map(totals.lines.map((l) => [l.id, l]))
    return {
      id: cart.id,
      customerId: cart.customerId,
      currency: cart.currency,
      email: cart.email,
      lines: lines.map(({ line, variant }) => {
        const t = byId.get(line.sku)!
        return {
          sku: line.sku,
          quantity: line.quantity,
          productId: variant.productId,
          variantId: variant.variantId,
          sellerId: variant.sellerId,
          name: variant.name,
          weightGrams: variant.weightGrams,
          unitPrice: t.unitPrice,
          wasPrice: variant.wasPrice ?? null,
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
      shippingQuote,
      shippingOptions,
      shippingError,
      version: cart.version,
      updatedAt: cart.updatedAt,
      expiresAt: cart.expiresAt,
    }
  }

  return { price, view }
}
