import type { Money } from '../money/money.js'
import type { ShippingDestination } from './shipping-rate-provider.js'

export interface TaxRequest {
  readonly destination: ShippingDestination
  /** Line amounts after discounts. */
  readonly lines: readonly { readonly id: string; readonly amount: Money; readonly taxCode?: string }[]
  readonly shipping: Money
  /** True when line amounts already contain tax (EU-style prices). */
  readonly pricesIncludeTax: boolean
}

export interface TaxResult {
  /** Tax per line, each rounded on its own. */
  readonly lines: readonly { readonly id: string; readonly tax: Money; readonly rate: string }[]
  readonly shippingTax: Money
  /** Sum of the rounded line and shipping taxes. */
  readonly total: Money
}

/** Computes tax. The default uses rates by country and region; hosts plug in a tax service. */
export interface TaxCalculator {
  calculate(request: TaxRequest): Promise<TaxResult>
}
