import { z } from 'zod'
import { instantSchema } from '../validation/instant-schema.js'
import { text } from '../validation/text-schema.js'

/** Largest quantity one reservation line (after summing per SKU) may ask for. */
export const MAX_LINE_QUANTITY = 1_000_000
/** Largest on-hand quantity at one location. */
export const MAX_ON_HAND = 1_000_000_000
/** Most distinct lines in one reservation. */
export const MAX_RESERVATION_LINES = 500
/** Default time a reservation holds stock: 15 minutes. */
export const DEFAULT_RESERVATION_TTL_MS = 15 * 60 * 1000
/** Longest hold a reservation may ask for: 7 days. */
export const MAX_RESERVATION_TTL_MS = 7 * 24 * 60 * 60 * 1000

const code = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(64, `${what} must be at most 64 characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, `${what} may hold letters, digits and . _ : / - only`)

export const skuSchema = code('SKU')
export const locationIdSchema = code('location id')
/** Ids Souk makes are `prefix_<ulid>`; custom id generators must stay within this shape. */
export const entityIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'id may hold letters, digits, _ and - only')

/** One SKU, for `getLevels` and `available`. */
export const skuRefSchema = z.strictObject({ sku: skuSchema })
export type SkuRef = z.input<typeof skuRefSchema>

/** One reservation, for `commit`, `release` and `getReservation`. */
export const reservationRefSchema = z.strictObject({ reservationId: entityIdSchema })
export type ReservationRef = z.input<typeof reservationRefSchema>

export const quantitySchema = z
  .number()
  .int('quantity must be a whole number')
  .positive('quantity must be positive')
  .max(MAX_LINE_QUANTITY, `quantity must be at most ${MAX_LINE_QUANTITY}`)

/**
 * Stock is kept only for SKUs a catalog product has, so a typo in a feed fails (`not_found`)
 * instead of creating stock nobody can buy. `true` skips that check for one call: stock that
 * arrives before its product is created, or SKUs whose catalog lives outside Souk. Default false.
 */
const allowUnknownSkuSchema = z.boolean().default(false)

export const setStockSchema = z.strictObject({
  sku: skuSchema,
  locationId: locationIdSchema.optional(),
  onHand: z.number().int().min(0).max(MAX_ON_HAND),
  /** Keep stock for a SKU no catalog product has. Default false: such a SKU is `not_found`. */
  allowUnknownSku: allowUnknownSkuSchema,
})
export type SetStockInput = z.input<typeof setStockSchema>

export const adjustStockSchema = z.strictObject({
  sku: skuSchema,
  locationId: locationIdSchema.optional(),
  delta: z
    .number()
    .int()
    .min(-MAX_ON_HAND)
    .max(MAX_ON_HAND)
    .refine((d) => d !== 0, 'delta must not be zero'),
  reason: text({ min: 1, max: 200, label: 'reason' }),
  /** Keep stock for a SKU no catalog product has. Default false: such a SKU is `not_found`. */
  allowUnknownSku: allowUnknownSkuSchema,
})
export type AdjustStockInput = z.input<typeof adjustStockSchema>

export const configureItemSchema = z.strictObject({
  sku: skuSchema,
  tracked: z.boolean().optional(),
  allowBackorder: z.boolean().optional(),
  lowStockThreshold: z.number().int().min(0).max(MAX_ON_HAND).nullable().optional(),
})
export type ConfigureItemInput = z.input<typeof configureItemSchema>

export const locationSchema = z.strictObject({
  id: locationIdSchema,
  name: text({ min: 1, max: 200, label: 'name' }),
  /** Lower is preferred. Default 100 for a new location; an update without it keeps the current one. */
  priority: z.number().int().min(0).max(1_000_000).optional(),
})
export type LocationInput = z.input<typeof locationSchema>

export const reserveSchema = z
  .strictObject({
    lines: z
      .array(z.strictObject({ sku: skuSchema, quantity: quantitySchema }))
      .min(1, 'a reservation needs at least one line')
      .max(MAX_RESERVATION_LINES),
    ttlMs: z.number().int().min(1000).max(MAX_RESERVATION_TTL_MS).optional(),
    /** A Date or an ISO-8601 string with an offset. */
    expiresAt: instantSchema.optional(),
    // Not trimmed: a reference and a subscriber are identities the host looks things up by.
    reference: text({ min: 1, max: 200, trim: false, label: 'reference' }).optional(),
  })
  .refine((input) => input.ttlMs === undefined || input.expiresAt === undefined, {
    message: 'give ttlMs or expiresAt, not both',
    path: ['expiresAt'],
  })
export type ReserveInput = z.input<typeof reserveSchema>

export const stockSubscriptionSchema = z.strictObject({
  sku: skuSchema,
  /** Customer id or any host-side address of whom to tell. */
  subscriber: text({ min: 1, max: 200, trim: false, label: 'subscriber' }),
})
export type StockSubscriptionInput = z.input<typeof stockSubscriptionSchema>
