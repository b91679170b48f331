import type { Money } from '../money/money.js'
import type { ShippingDestination } from './shipping-rate-provider.js'

/** One taxable line: its amount after discounts. */
export interface TaxLine {
  readonly id: string
  /** The line's amount after its discount (unit price × quantity − discount), never negative. */
  readonly amount: Money
  /** A product tax category for calculators that distinguish them; the default ignores it. */
  readonly taxCode?: string
}

export interface TaxRequest {
  /** Where the order ships; null while no address is known (calculators then use their default). */
  readonly destination: ShippingDestination | null
  /** Line amounts after discounts, in one currency (that of `shipping`). */
  readonly lines: readonly TaxLine[]
  /** Shipping after any shipping discount; zero when there is none. */
  readonly shipping: Money
  /** True when the shop's prices already contain tax (EU-style gross prices). */
  readonly pricesIncludeTax: boolean
}

export interface TaxResult {
  /** Tax per request line, same ids and order, each rounded on its own. */
  readonly lines: readonly { readonly id: string; readonly tax: Money; readonly rate: string }[]
  /** Tax on `request.shipping`; zero where shipping is not taxed. */
  readonly shippingTax: Money
  /** The percent applied to shipping (`'0'` when shipping is not taxed). */
  readonly shippingRate: string
  /** Sum of the rounded line and shipping taxes. */
  readonly total: Money
  /**
   * True when the amounts contain the tax (it was extracted, the customer pays the amounts), false
   * when it comes on top. Usually `request.pricesIncludeTax`; a calculator may decide per
   * jurisdiction (e.g. show tax-inclusive prices in the EU only).
   */
  readonly inclusive: boolean
}

/**
 * Computes tax. The default, `createRegionTaxCalculator`, uses rates by country and region; hosts
 * plug in a tax service. Called with amounts after discounts; must not change anything.
 */
export interface TaxCalculator {
  calculate(request: TaxRequest): Promise<TaxResult>
}
