import { z } from 'zod'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { currencyCodeSchema } from '../money/currencies.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'
import { text } from '../validation/text-schema.js'

/** Longest velocity window: 30 days. Attempts older than that are purged by `checkout.recover()`. */
export const MAX_VELOCITY_WINDOW_MS = 30 * 24 * 60 * 60 * 1000
/** Default time staff have to decide a held order: 3 days (inside a card authorization's ~7). */
export const DEFAULT_REVIEW_HOLD_MS = 3 * 24 * 60 * 60 * 1000

const count = z.number().int().min(1).max(1_000_000)

/**
 * A velocity limit: a number N reviews the attempt that makes more than N in the window; the
 * object form sets either or both thresholds (`{ review: 3, reject: 10 }`).
 */
const velocityLimitSchema = z
  .union([count, z.strictObject({ review: count.optional(), reject: count.optional() })])
  .transform((v) => (typeof v === 'number' ? { review: v } : v))
  .refine((v) => v.review === undefined || v.reject === undefined || v.review <= v.reject, {
    message: 'review must not be above reject',
  })

const windowSchema = z.number().int().min(1000).max(MAX_VELOCITY_WINDOW_MS)

const amountLimitSchema = z
  .strictObject({
    /** Totals above this (minor units) are held for review. */
    reviewAbove: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Totals above this (minor units) are rejected. */
    rejectAbove: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine(
    (v) => v.reviewAbove === undefined || v.rejectAbove === undefined || v.reviewAbove <= v.rejectAbove,
    { message: 'reviewAbove must not be above rejectAbove' },
  )

export const defaultFraudRulesSchema = z.strictObject({
  /** Checkout attempts (one per idempotency key, whatever their outcome) per subject in a window. */
  velocity: z
    .strictObject({
      /** The sliding window, in ms. Default 1 hour, at most 30 days. */
      windowMs: windowSchema.default(60 * 60 * 1000),
      /** Per email address (lower case, `+tag` and Gmail dots ignored). */
      perEmail: velocityLimitSchema.optional(),
      /** Per IP (an IPv6 address counts with its /64). Checkouts without an IP are not counted. */
      perIp: velocityLimitSchema.optional(),
      /** Per card: `payment.fingerprint`, else the payment method token. */
      perCard: velocityLimitSchema.optional(),
    })
    .optional(),
  /** Order total limits per currency, in minor units: `{ USD: { reviewAbove: 50_000 } }`. */
  amount: z.record(currencyCodeSchema, amountLimitSchema).optional(),
})
export type DefaultFraudRulesOptions = z.input<typeof defaultFraudRulesSchema>

const decidedBy = text({ min: 1, max: 200, label: 'decidedBy' })

export const reviewDecisionSchema = z.strictObject({
  orderId: entityIdSchema,
  /** Who decided, as the host names staff. Kept on the review. */
  decidedBy: decidedBy.optional(),
  /** Why, kept on the review and in the order's history. */
  note: text({ max: 500, multiline: true, label: 'note' }).optional(),
})
export type ReviewDecisionInput = z.input<typeof reviewDecisionSchema>

export const getReviewSchema = z.strictObject({ orderId: entityIdSchema })
export type GetReviewInput = z.input<typeof getReviewSchema>

export const listHeldSchema = z.strictObject({
  /** The previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 20, at most 100. */
  limit: pageLimitSchema(20, 100),
})
export type ListHeldInput = z.input<typeof listHeldSchema>
