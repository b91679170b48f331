import { z } from 'zod'
import { customerIdSchema } from '../customers/address-schemas.js'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { currencyCodeSchema } from '../money/currencies.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'
import {
  discountPercentSchema,
  nonNegativeMoneySchema,
  positiveMoneySchema,
} from '../pricing/amount-schemas.js'
import { instantSchema } from '../validation/instant-schema.js'
import { text } from '../validation/text-schema.js'

/** Largest usage limit (Postgres `integer`). */
export const MAX_PROMOTION_USES = 2_147_483_647
/** Most lines a promotion is evaluated over. */
export const MAX_PROMOTION_LINES = 1000
/** Default and largest page of `commerce.promotions.list`. */
export const DEFAULT_PROMOTION_PAGE = 50
export const MAX_PROMOTION_PAGE = 200

/** A promo code: letters, digits, `_` and `-`, up to 64, upper-cased on the way in. */
export const promotionCodeSchema = text({ min: 1, max: 64, label: 'code' })
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]*$/, 'code may hold letters, digits, _ and - only')

const useLimitSchema = z.number().int().min(1).max(MAX_PROMOTION_USES)

const createBase = {
  code: promotionCodeSchema,
  /** Default: no minimum. */
  minSubtotal: positiveMoneySchema.nullable().default(null),
  /** Default: valid from creation. */
  startsAt: instantSchema.nullable().default(null),
  /** Exclusive. Default: never expires. */
  endsAt: instantSchema.nullable().default(null),
  /** Default: unlimited. */
  usageLimit: useLimitSchema.nullable().default(null),
  /** Default: unlimited. */
  perCustomerLimit: useLimitSchema.nullable().default(null),
}

export const createPromotionSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ ...createBase, kind: z.literal('percentage'), percent: discountPercentSchema }),
    z.strictObject({ ...createBase, kind: z.literal('fixed'), amount: positiveMoneySchema }),
    z.strictObject({ ...createBase, kind: z.literal('free_shipping') }),
  ])
  .superRefine((promotion, ctx) => {
    if (promotion.startsAt && promotion.endsAt && promotion.endsAt <= promotion.startsAt) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' })
    }
    if (
      promotion.kind === 'fixed' &&
      promotion.minSubtotal &&
      promotion.minSubtotal.currency !== promotion.amount.currency
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['minSubtotal', 'currency'],
        message: 'minSubtotal must be in the currency of amount',
      })
    }
  })
export type CreatePromotionInput = z.input<typeof createPromotionSchema>

const readBase = {
  id: entityIdSchema,
  code: promotionCodeSchema,
  minSubtotal: positiveMoneySchema.nullable(),
  startsAt: z.date().nullable(),
  endsAt: z.date().nullable(),
  usageLimit: useLimitSchema.nullable(),
  perCustomerLimit: useLimitSchema.nullable(),
  timesUsed: z.number().int().min(0),
  createdAt: z.date(),
}

/** A stored {@link Promotion}, as the store returns it; checks promotions handed to pure functions. */
export const promotionSchema = z.discriminatedUnion('kind', [
  z.object({ ...readBase, kind: z.literal('percentage'), percent: discountPercentSchema }),
  z.object({ ...readBase, kind: z.literal('fixed'), amount: positiveMoneySchema }),
  z.object({ ...readBase, kind: z.literal('free_shipping') }),
])

const lineIdSchema = text({ min: 1, max: 200, trim: false, label: 'line id' })

/** What a promotion is evaluated against (see `evaluatePromotion`). */
export const promotionContextSchema = z
  .strictObject({
    currency: currencyCodeSchema,
    /** Each line's subtotal (unit price × quantity) before discounts. */
    lines: z
      .array(z.strictObject({ id: lineIdSchema, subtotal: nonNegativeMoneySchema }))
      .max(MAX_PROMOTION_LINES),
    /** The shipping price before discounts; null when none is chosen yet. Default null. */
    shipping: nonNegativeMoneySchema.nullable().default(null),
    /** Null for a guest. Default null. */
    customerId: customerIdSchema.nullable().default(null),
    /** How often this customer has redeemed it already, when known; checked against the per-customer limit. */
    customerRedemptions: z.number().int().min(0).optional(),
    now: z.date(),
  })
  .superRefine((context, ctx) => {
    const ids = new Set<string>()
    context.lines.forEach((line, index) => {
      if (line.subtotal.currency !== context.currency) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'subtotal', 'currency'],
          message: `must be ${context.currency}`,
        })
      }
      if (ids.has(line.id))
        ctx.addIssue({ code: 'custom', path: ['lines', index, 'id'], message: 'duplicate line id' })
      ids.add(line.id)
    })
    if (context.shipping && context.shipping.currency !== context.currency) {
      ctx.addIssue({ code: 'custom', path: ['shipping', 'currency'], message: `must be ${context.currency}` })
    }
  })
export type PromotionContext = z.input<typeof promotionContextSchema>

/** One promotion by id, for `commerce.promotions.get`. */
export const promotionRefSchema = z.strictObject({ promotionId: entityIdSchema })
export type PromotionRef = z.input<typeof promotionRefSchema>

/** One promotion by code (any case), for `commerce.promotions.getByCode`. */
export const promotionCodeRefSchema = z.strictObject({ code: promotionCodeSchema })
export type PromotionCodeRef = z.input<typeof promotionCodeRefSchema>

/** `commerce.promotions.evaluate`: the context without `now` (the service's clock) and with the code. */
export const evaluatePromotionSchema = z.strictObject({
  code: promotionCodeSchema,
  currency: currencyCodeSchema,
  lines: z
    .array(z.strictObject({ id: lineIdSchema, subtotal: nonNegativeMoneySchema }))
    .max(MAX_PROMOTION_LINES),
  shipping: nonNegativeMoneySchema.nullable().default(null),
  customerId: customerIdSchema.nullable().default(null),
})
export type EvaluatePromotionInput = z.input<typeof evaluatePromotionSchema>

export const listPromotionsSchema = z.strictObject({
  /** The previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 50, at most 200. */
  limit: pageLimitSchema(DEFAULT_PROMOTION_PAGE, MAX_PROMOTION_PAGE),
})
export type ListPromotionsInput = z.input<typeof listPromotionsSchema>

/**
 * `commerce.promotions.update`: the promotion and the fields to change (at least one); null clears
 * a minimum, a window end or a limit. `kind` cannot change (create a new promotion instead), and
 * `timesUsed` is the redemption counter, never edited. The merged promotion is checked like
 * `create` (e.g. `endsAt` after `startsAt`, a fixed amount's currency matching the minimum's).
 */
export const updatePromotionSchema = z
  .strictObject({
    promotionId: entityIdSchema,
    code: promotionCodeSchema.optional(),
    minSubtotal: positiveMoneySchema.nullable().optional(),
    startsAt: instantSchema.nullable().optional(),
    endsAt: instantSchema.nullable().optional(),
    usageLimit: useLimitSchema.nullable().optional(),
    perCustomerLimit: useLimitSchema.nullable().optional(),
    /** Percentage promotions only. */
    percent: discountPercentSchema.optional(),
    /** Fixed promotions only. */
    amount: positiveMoneySchema.optional(),
  })
  .refine(
    ({ promotionId: _promotionId, ...patch }) => Object.values(patch).some((v) => v !== undefined),
    'nothing to update',
  )
export type UpdatePromotionInput = z.input<typeof updatePromotionSchema>
