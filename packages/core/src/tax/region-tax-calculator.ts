import { type Money, money, sum, zero } from '../money/money.js'
import { applyRate, inclusiveTax } from '../money/rate.js'
import type { RoundingMode } from '../money/rounding.js'
import type { ShippingDestination } from '../ports/shipping-rate-provider.js'
import type { TaxCalculator, TaxRequest, TaxResult } from '../ports/tax-calculator.js'
import { parseConfig } from '../validation/parse-config.js'
import { parseInput } from '../validation/parse-input.js'
import { type RegionTaxConfig, regionTaxConfigSchema, taxRequestSchema } from './tax-schemas.js'

/** The rule that applies at one destination, after region/country/default resolution. */
export interface ResolvedTaxRule {
  /** Exact decimal percent. */
  readonly rate: string
  readonly taxShipping: boolean
  /** Undefined: follow the request's `pricesIncludeTax`. */
  readonly inclusive: boolean | undefined
  /** Which rule matched: `US-NY`, `US`, or `default`. */
  readonly source: string
}

/** The default {@link TaxCalculator}, with a synchronous twin for pure totals. */
export interface RegionTaxCalculator extends TaxCalculator {
  /** The same answer as `calculate`, synchronously; what `computeTotals({ tax })` can take. */
  calculateSync(request: TaxRequest): TaxResult
  /** The rule for a destination: its region's, else its country's, else the default. */
  ruleFor(destination: ShippingDestination | null): ResolvedTaxRule
}

/**
 * Tax by rates per country and region. A region's rule replaces its country's there (give it the
 * combined rate); where nothing matches, or no destination is known yet, `defaultRate` applies
 * (default `'0'`). Exclusive prices get tax added (`applyRate`); inclusive ones have it extracted
 * (`inclusiveTax`), each line rounded on its own with `rounding` (default `'half-up'`). Shipping is
 * taxed at the same rate unless the rule says `taxShipping: false`. A rule's `inclusive` overrides
 * the request's `pricesIncludeTax` for its jurisdiction.
 *
 * Throws `ConfigError` (code `config.invalid`) for a bad table: unknown country shape, a rate that
 * is not an exact decimal from 0 to 1000, or two rules for the same place.
 */
export function createRegionTaxCalculator(config: RegionTaxConfig): RegionTaxCalculator {
  const { rates, defaultRate, rounding } = parseConfig(
    regionTaxConfigSchema,
    config,
    'createRegionTaxCalculator config',
  )
  const rules = new Map<string, ResolvedTaxRule>()
  for (const rule of rates) {
    const key = rule.region === undefined ? rule.country : `${rule.country}-${rule.region}`
    rules.set(key, { rate: rule.rate, taxShipping: rule.taxShipping, inclusive: rule.inclusive, source: key })
  }
  const fallback: ResolvedTaxRule = {
    rate: defaultRate,
    taxShipping: true,
    inclusive: undefined,
    source: 'default',
  }

  function ruleFor(destination: ShippingDestination | null): ResolvedTaxRule {
    if (destination === null) return fallback
    const country = destination.country.toUpperCase()
    const region = destination.region?.toUpperCase()
    return (
      (region === undefined ? undefined : rules.get(`${country}-${region}`)) ?? rules.get(country) ?? fallback
    )
  }

  function calculateSync(input: TaxRequest): TaxResult {
    const request = parseInput(taxRequestSchema, input, 'tax request')
    const rule = ruleFor(request.destination)
    const inclusive = rule.inclusive ?? request.pricesIncludeTax
    const taxOf = (amount: Money, rate: string, mode: RoundingMode) =>
      inclusive ? inclusiveTax(amount, rate, mode) : applyRate(amount, rate, mode)
    const currency = request.shipping.currency
    const lines = request.lines.map((line) => ({
      id: line.id,
      tax: taxOf(money(line.amount.amount, currency), rule.rate, rounding),
      rate: rule.rate,
    }))
    const shippingRate = rule.taxShipping ? rule.rate : '0'
    const shipping = money(request.shipping.amount, currency)
    const shippingTax = rule.taxShipping ? taxOf(shipping, shippingRate, rounding) : zero(currency)
    return {
      lines,
      shippingTax,
      shippingRate,
      total: sum([...lines.map((line) => line.tax), shippingTax], currency),
      inclusive,
    }
  }

  return {
    calculateSync,
    ruleFor,
    calculate: async (request) => calculateSync(request),
  }
}
