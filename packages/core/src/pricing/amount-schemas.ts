import { z } from 'zod'
import { currencyCodeSchema } from '../money/currencies.js'
import { parseRate, type Rate } from '../money/rate.js'

/** A {@link Money} whose amount is zero or more minor units: prices, shipping, thresholds. */
export const nonNegativeMoneySchema = z.strictObject({
  amount: z.number().int('amount must be whole minor units').min(0, 'amount must not be negative'),
  currency: currencyCodeSchema,
})

/** A {@link Money} of at least one minor unit: fixed discounts, minimum subtotals. */
export const positiveMoneySchema = z.strictObject({
  amount: z.number().int('amount must be whole minor units').min(1, 'amount must be positive'),
  currency: currencyCodeSchema,
})

function rateOf(value: string): Rate | null {
  try {
    return parseRate(value)
  } catch {
    return null
  }
}

/**
 * An exact decimal percent as a string (`'20'`, `'8.875'`), never a float: what `applyRate` and
 * `inclusiveTax` take. 0 to 1000, at most 32 characters.
 */
export const percentSchema = z
  .string()
  .regex(/^\d+(\.\d+)?$/, {
    error: "percent must be a plain decimal string such as '20' or '8.875'",
    abort: true,
  })
  .refine((value) => rateOf(value) !== null, { error: 'percent must be between 0 and 1000', abort: true })

/** A percent above 0 and at most 100: what a percentage discount may take off. */
export const discountPercentSchema = percentSchema.refine((value) => {
  const rate = rateOf(value)
  return rate !== null && rate.numerator > 0n && rate.numerator <= 100n * rate.denominator
}, 'percent must be above 0 and at most 100')
