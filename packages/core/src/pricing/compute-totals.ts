import { ValidationError } from '../errors/error-classes.js'
import type { CurrencyCode } from '../money/currencies.js'
import { add, type Money, money, multiply, subtract, sum, zero } from '../money/money.js'
import type { ShippingDestination } from '../ports/shipping-rate-provider.js'
import type { TaxCalculator, TaxRequest, TaxResult } from '../ports/tax-calculator.js'
import { evaluatePromotion } from '../promotions/evaluate-promotion.js'
import type { PromotionDiscount } from '../promotions/promotion-types.js'
import { parseInput, toValidationIssues } from '../validation/parse-input.js'
import {
  type SyncTaxCalculation,
  type TotalsInput,
  taxResultSchema,
  totalsInputSchema,
} from './totals-schemas.js'
import type { Totals, TotalsLine } from './totals-types.js'

/** Everything up to tax: line subtotals, discounts, shipping, and the tax request they make. */
interface Discounted {
  readonly currency: CurrencyCode
  readonly lines: readonly {
    readonly id: string
    readonly quantity: number
    readonly unitPrice: Money
    readonly subtotal: Money
    readonly discount: Money
    readonly net: Money
  }[]
  readonly subtotal: Money
  readonly discountTotal: Money
  readonly shippingDiscount: Money
  readonly shippingNet: Money
  readonly promotion: PromotionDiscount | null
  readonly pricesIncludeTax: boolean
  readonly request: TaxRequest
}

function discount(input: TotalsInput): {
  discounted: Discounted
  tax: TaxResult | SyncTaxCalculation | null
} {
  const parsed = parseInput(totalsInputSchema, input, 'totals input')
  const { currency } = parsed
  const subtotals = parsed.lines.map((line) =>
    multiply(money(line.unitPrice.amount, currency), line.quantity),
  )
  const shipping = parsed.shippingRate ? money(parsed.shippingRate.amount, currency) : zero(currency)
  const promotion = parsed.promotion
    ? evaluatePromotion(parsed.promotion, {
        currency,
        lines: parsed.lines.map((line, index) => ({ id: line.id, subtotal: subtotals[index]! })),
        shipping: parsed.shippingRate,
        customerId: parsed.customerId,
        ...(parsed.customerRedemptions === undefined
          ? {}
          : { customerRedemptions: parsed.customerRedemptions }),
        now: parsed.now!,
      })
    : null
  const lines = parsed.lines.map((line, index) => {
    const subtotal = subtotals[index]!
    const lineDiscount = promotion ? promotion.lines[index]!.discount : zero(currency)
    return {
      id: line.id,
      quantity: line.quantity,
      unitPrice: money(line.unitPrice.amount, currency),
      subtotal,
      discount: lineDiscount,
      net: subtract(subtotal, lineDiscount),
    }
  })
  const shippingDiscount = promotion?.shippingDiscount ?? zero(currency)
  const shippingNet = subtract(shipping, shippingDiscount)
  const destination: ShippingDestination | null = parsed.destination
  return {
    tax: parsed.tax,
    discounted: {
      currency,
      lines,
      subtotal: sum(subtotals, currency),
      discountTotal: promotion?.linesTotal ?? zero(currency),
      shippingDiscount,
      shippingNet,
      promotion,
      pricesIncludeTax: parsed.pricesIncludeTax,
      request: {
        destination,
        lines: lines.map((line, index) => ({
          id: line.id,
          amount: line.net,
          ...(parsed.lines[index]!.taxCode === undefined ? {} : { taxCode: parsed.lines[index]!.taxCode }),
        })),
        shipping: shippingNet,
        pricesIncludeTax: parsed.pricesIncludeTax,
      },
    },
  }
}

function invalidTax(path: string, message: string): ValidationError {
  return new ValidationError(`Invalid tax result: ${message}`, [{ path: `tax.${path}`, message }])
}

// A calculator is outside code: its answer is checked before any total relies on it.
function checkTaxResult(result: TaxResult, d: Discounted): TaxResult {
  const shape = taxResultSchema.safeParse(result)
  if (!shape.success) {
    const issues = toValidationIssues(shape.error).map((i) => ({ ...i, path: `tax.${i.path}` }))
    throw new ValidationError('Invalid tax result', issues)
  }
  if (result.lines.length !== d.lines.length) {
    throw invalidTax('lines', `expected ${d.lines.length} lines, got ${result.lines.length}`)
  }
  const bound = (amount: Money, limit: Money, path: string) => {
    if (amount.currency !== d.currency) throw invalidTax(path, `must be in ${d.currency}`)
    // Tax contained in an amount cannot exceed it; otherwise the net would be negative.
    if (result.inclusive && amount.amount > limit.amount)
      throw invalidTax(path, 'exceeds the amount that contains it')
  }
  result.lines.forEach((line, index) => {
    const expected = d.lines[index]!
    if (line.id !== expected.id)
      throw invalidTax(`lines.${index}.id`, `expected ${expected.id}, got ${line.id}`)
    bound(line.tax, expected.net, `lines.${index}.tax`)
  })
  bound(result.shippingTax, d.shippingNet, 'shippingTax')
  const total = sum([...result.lines.map((line) => line.tax), result.shippingTax], d.currency)
  if (result.total.currency !== d.currency || result.total.amount !== total.amount) {
    throw invalidTax('total', `must equal the sum of the line and shipping taxes, ${total.amount}`)
  }
  return result
}

function finish(d: Discounted, taxResult: TaxResult | null): Totals {
  const { currency } = d
  const result = taxResult === null ? null : checkTaxResult(taxResult, d)
  const inclusive = result?.inclusive ?? d.pricesIncludeTax
  const lines: TotalsLine[] = d.lines.map((line, index) => {
    const taxLine = result?.lines[index]
    const tax = taxLine ? money(taxLine.tax.amount, currency) : zero(currency)
    return {
      id: line.id,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      subtotal: line.subtotal,
      discount: line.discount,
      tax,
      taxRate: taxLine?.rate ?? '0',
      total: inclusive ? line.net : add(line.net, tax),
    }
  })
  const shippingTax = result ? money(result.shippingTax.amount, currency) : zero(currency)
  const taxTotal = sum([...lines.map((line) => line.tax), shippingTax], currency)
  const total = sum(
    [...lines.map((line) => line.total), d.shippingNet, ...(inclusive ? [] : [shippingTax])],
    currency,
  )
  return {
    currency,
    lines,
    subtotal: d.subtotal,
    discountTotal: d.discountTotal,
    shippingTotal: d.shippingNet,
    shippingDiscount: d.shippingDiscount,
    shippingTax,
    taxTotal,
    total,
    itemCount: d.lines.reduce((count, line) => count + line.quantity, 0),
    taxInclusive: inclusive,
    promotion: d.promotion,
  }
}

/**
 * Prices a cart, purely and synchronously: line subtotals (unit price × quantity), the promotion's
 * discount allocated over the lines (see `evaluatePromotion`; it throws `PromotionError` when the
 * code does not apply), shipping less any free-shipping discount, and tax on the amounts after
 * discounts, rounded per line. `tax` is a precomputed {@link TaxResult} for exactly these amounts
 * (see {@link taxRequestFor}) or a synchronous calculation such as
 * `createRegionTaxCalculator(...).calculateSync`; without it there is no tax.
 *
 * Every amount is integer minor units and the identities documented on {@link Totals} hold exactly.
 * Throws `ValidationError` for malformed input, mixed currencies, duplicate line ids, a tax result
 * that does not fit the lines, or amounts past Number.MAX_SAFE_INTEGER.
 */
export function computeTotals(input: TotalsInput): Totals {
  const { discounted, tax } = discount(input)
  const result = typeof tax === 'function' ? tax(discounted.request) : tax
  return finish(discounted, result)
}

/**
 * The {@link TaxRequest} that {@link computeTotals} makes for `input` (amounts after discounts):
 * what to send to an asynchronous tax service before passing its answer back as `tax`.
 */
export function taxRequestFor(input: TotalsInput): TaxRequest {
  return discount({ ...input, tax: null }).discounted.request
}

/**
 * {@link computeTotals} with an asynchronous {@link TaxCalculator} (a host's tax service): builds
 * the tax request from the discounted amounts, awaits the calculator, and finishes the totals.
 * Without a calculator there is no tax.
 */
export async function calculateTotals(
  input: Omit<TotalsInput, 'tax'> & { readonly taxCalculator?: TaxCalculator | null },
): Promise<Totals> {
  const { taxCalculator, ...rest } = input
  const { discounted } = discount({ ...rest, tax: null })
  const result = taxCalculator ? await taxCalculator.calculate(discounted.request) : null
  return finish(discounted, result)
}
