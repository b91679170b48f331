import { z } from 'zod'
import { roundingModeSchema } from '../money/rounding.js'
import { nonNegativeMoneySchema, percentSchema } from '../pricing/amount-schemas.js'
import {
  countryCodeSchema,
  regionCodeSchema,
  shippingDestinationSchema,
} from '../shipping/shipping-schemas.js'
import { text } from '../validation/text-schema.js'

/** Most lines one tax request may hold. */
export const MAX_TAX_LINES = 1000
/** Most rules one region table may hold. */
export const MAX_TAX_RULES = 10_000

export const taxRateRuleSchema = z.strictObject({
  country: countryCodeSchema,
  /** ISO 3166-2 subdivision without the country; its rule replaces the country's there. */
  region: regionCodeSchema.optional(),
  /** The whole percent charged there (a region's rule is the combined rate, e.g. `'8.875'`). */
  rate: percentSchema,
  /** Whether shipping is taxed at `rate`. Default true. */
  taxShipping: z.boolean().default(true),
  /** Whether prices there include tax. Default: the request's `pricesIncludeTax`. */
  inclusive: z.boolean().optional(),
})
export type TaxRateRule = z.input<typeof taxRateRuleSchema>

export const regionTaxConfigSchema = z
  .strictObject({
    rates: z.array(taxRateRuleSchema).max(MAX_TAX_RULES),
    /** The percent where no rule matches or no destination is known. Default `'0'`. */
    defaultRate: percentSchema.default('0'),
    /** How each line's tax is rounded. Default `'half-up'`, the rule most tax authorities use. */
    rounding: roundingModeSchema.default('half-up'),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>()
    config.rates.forEach((rule, index) => {
      const key = rule.region === undefined ? rule.country : `${rule.country}-${rule.region}`
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['rates', index], message: `duplicate rule for ${key}` })
      seen.add(key)
    })
  })
export type RegionTaxConfig = z.input<typeof regionTaxConfigSchema>

export const taxRequestSchema = z
  .strictObject({
    destination: shippingDestinationSchema.nullable(),
    lines: z
      .array(
        z.strictObject({
          id: text({ min: 1, max: 200, trim: false, label: 'line id' }),
          amount: nonNegativeMoneySchema,
          taxCode: text({ min: 1, max: 64, trim: false, label: 'taxCode' }).optional(),
        }),
      )
      .max(MAX_TAX_LINES),
    shipping: nonNegativeMoneySchema,
    pricesIncludeTax: z.boolean(),
  })
  .superRefine((request, ctx) => {
    request.lines.forEach((line, index) => {
      if (line.amount.currency !== request.shipping.currency) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'amount', 'currency'],
          message: `every amount must be in ${request.shipping.currency}, the shipping currency`,
        })
      }
    })
  })
