import { z } from 'zod'
import { customerIdSchema } from '../customers/address-schemas.js'
import { MAX_LINE_QUANTITY } from '../inventory/inventory-schemas.js'
import { currencyCodeSchema } from '../money/currencies.js'
import type { TaxRequest, TaxResult } from '../ports/tax-calculator.js'
import { promotionSchema } from '../promotions/promotion-schemas.js'
import { shippingDestinationSchema } from '../shipping/shipping-schemas.js'
import { text } from '../validation/text-schema.js'
import { nonNegativeMoneySchema, percentSchema } from './amount-schemas.js'

/** Most lines one totals computation takes. */
export const MAX_TOTALS_LINES = 1000

/** A synchronous tax calculation, e.g. `createRegionTaxCalculator(...).calculateSync`. */
export type SyncTaxCalculation = (request: TaxRequest) => TaxResult

export const totalsInputSchema = z
  .strictObject({
    currency: currencyCodeSchema,
    lines: z
      .array(
        z.strictObject({
          id: text({ min: 1, max: 200, trim: false, label: 'line id' }),
          unitPrice: nonNegativeMoneySchema,
          quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
          taxCode: text({ min: 1, max: 64, trim: false, label: 'taxCode' }).optional(),
        }),
      )
      .max(MAX_TOTALS_LINES),
    /** The promotion to apply, as stored; evaluated with `now` and `customerId`. Default none. */
    promotion: promotionSchema.nullable().default(null),
    /** Required with a promotion: the moment its window is checked against. */
    now: z.date().optional(),
    customerId: customerIdSchema.nullable().default(null),
    customerRedemptions: z.number().int().min(0).optional(),
    /** The chosen shipping rate's price; default none (zero shipping). */
    shippingRate: nonNegativeMoneySchema.nullable().default(null),
    /** Where the order ships, for the tax calculation; default unknown. */
    destination: shippingDestinationSchema.nullable().default(null),
    /** Whether unit prices include tax. Default false. */
    pricesIncludeTax: z.boolean().default(false),
    /** A precomputed tax result for these amounts, or a synchronous calculation. Default no tax. */
    tax: z
      .custom<TaxResult | SyncTaxCalculation>(
        (value) => typeof value === 'function' || (typeof value === 'object' && value !== null),
        'tax must be a TaxResult or a function returning one',
      )
      .nullable()
      .default(null),
  })
  .superRefine((input, ctx) => {
    const ids = new Set<string>()
    input.lines.forEach((line, index) => {
      if (line.unitPrice.currency !== input.currency) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'unitPrice', 'currency'],
          message: `must be ${input.currency}`,
        })
      }
      if (ids.has(line.id))
        ctx.addIssue({ code: 'custom', path: ['lines', index, 'id'], message: 'duplicate line id' })
      ids.add(line.id)
    })
    if (input.shippingRate && input.shippingRate.currency !== input.currency) {
      ctx.addIssue({
        code: 'custom',
        path: ['shippingRate', 'currency'],
        message: `must be ${input.currency}`,
      })
    }
    if (input.promotion && input.now === undefined) {
      ctx.addIssue({ code: 'custom', path: ['now'], message: 'now is required with a promotion' })
    }
  })
export type TotalsInput = z.input<typeof totalsInputSchema>

const taxMoneySchema = nonNegativeMoneySchema

/** What a {@link TaxResult} from a calculator must look like before totals trust it. */
export const taxResultSchema = z.object({
  lines: z.array(z.object({ id: z.string(), tax: taxMoneySchema, rate: percentSchema })),
  shippingTax: taxMoneySchema,
  shippingRate: percentSchema,
  total: taxMoneySchema,
  inclusive: z.boolean(),
})
