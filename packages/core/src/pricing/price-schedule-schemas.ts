import { z } from 'zod'
import { productPriceSchema } from '../catalog/catalog-schemas.js'
import { entityIdSchema, skuSchema } from '../inventory/inventory-schemas.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'

/** Largest page `listPriceSchedules` returns. */
export const MAX_PRICE_SCHEDULE_PAGE = 100

// A date given as a Date or ISO-8601 text; nothing else (numbers would be read as epoch ms silently).
const instant = (what: string) =>
  z
    .union([z.date(), z.iso.datetime({ offset: true, error: `${what} must be an ISO-8601 date-time` })])
    .pipe(z.coerce.date({ error: `${what} must be a valid date` }))

export const schedulePriceSchema = z
  .strictObject({
    /** The variant whose price this is. */
    sku: skuSchema,
    /** The price in force during the window: in a currency the variant has a regular price in. */
    price: productPriceSchema,
    /** When the price takes effect (inclusive). May be in the past: it is then in force at once. */
    startsAt: instant('startsAt'),
    /** When the regular price returns (exclusive). Default null: until cancelled. */
    endsAt: instant('endsAt').nullable().default(null),
  })
  .refine((s) => s.endsAt === null || s.endsAt > s.startsAt, {
    path: ['endsAt'],
    message: 'endsAt must be after startsAt',
  })
export type SchedulePriceInput = z.input<typeof schedulePriceSchema>

export const listPriceSchedulesSchema = z.strictObject({
  /** Only this variant's schedules. */
  sku: skuSchema.optional(),
  /** Only this product's schedules. */
  productId: entityIdSchema.optional(),
  /** Only schedules still in force or to come at the clock's time. Default false: all of them. */
  current: z.boolean().default(false),
  /** From the previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 20, at most 100. */
  limit: pageLimitSchema(20, MAX_PRICE_SCHEDULE_PAGE),
})
export type ListPriceSchedulesInput = z.input<typeof listPriceSchedulesSchema>

export const cancelPriceScheduleSchema = z.strictObject({ scheduleId: entityIdSchema })
export type CancelPriceScheduleInput = z.input<typeof cancelPriceScheduleSchema>
