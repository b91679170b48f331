import { z } from 'zod'
import { customerIdSchema } from '../customers/address-schemas.js'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'
import { instantSchema } from '../validation/instant-schema.js'
import { text } from '../validation/text-schema.js'

const page = {
  /** The previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 20, at most 100. */
  limit: pageLimitSchema(20, 100),
}

export const getOrderSchema = z.strictObject({
  orderId: entityIdSchema,
  /** The signed-in customer; an order of someone else answers `not_found`. Omit for staff calls. */
  customerId: customerIdSchema.optional(),
})
export type GetOrderInput = z.input<typeof getOrderSchema>

export const listCustomerOrdersSchema = z.strictObject({ customerId: customerIdSchema, ...page })
export type ListCustomerOrdersInput = z.input<typeof listCustomerOrdersSchema>

export const listSellerOrdersSchema = z.strictObject({ sellerId: entityIdSchema, ...page })
export type ListSellerOrdersInput = z.input<typeof listSellerOrdersSchema>

export const sellerAnalyticsSchema = z
  .strictObject({
    sellerId: entityIdSchema,
    /** Orders placed at or after this instant: a Date or an ISO-8601 date-time with an offset. */
    from: instantSchema,
    /** Orders placed before this instant (exclusive), at most a year after `from`. */
    to: instantSchema,
    /** Top products listed per currency. Default 10, at most 100. */
    top: z.number().int().min(1).max(100).default(10),
  })
  .refine((v) => v.from < v.to, { message: 'from must be before to', path: ['to'] })
  .refine((v) => v.to.getTime() - v.from.getTime() <= 366 * 86_400_000, {
    message: 'at most a year',
    path: ['to'],
  })
export type SellerAnalyticsInput = z.input<typeof sellerAnalyticsSchema>

export const transitionOrderSchema = z.strictObject({
  orderId: entityIdSchema,
  to: z.enum(['processing', 'shipped', 'delivered', 'partially_shipped']),
  note: text({ max: 500, multiline: true, label: 'note' }).optional(),
})
export type TransitionOrderInput = z.input<typeof transitionOrderSchema>

export const cancelOrderSchema = z.strictObject({
  orderId: entityIdSchema,
  /** The customer cancelling their own order; omit for staff. */
  customerId: customerIdSchema.optional(),
  reason: text({ max: 500, multiline: true, label: 'reason' }).optional(),
})
export type CancelOrderInput = z.input<typeof cancelOrderSchema>

export const requestReturnSchema = z.strictObject({
  orderId: entityIdSchema,
  customerId: customerIdSchema.optional(),
  lines: z
    .array(z.strictObject({ lineId: entityIdSchema, quantity: z.number().int().positive().max(10_000) }))
    .min(1)
    .max(100),
  reason: text({ max: 500, multiline: true, label: 'reason' }).optional(),
})
export type RequestReturnInput = z.input<typeof requestReturnSchema>

export const receiveReturnSchema = z.strictObject({
  orderId: entityIdSchema,
  lines: z
    .array(z.strictObject({ lineId: entityIdSchema, quantity: z.number().int().positive().max(10_000) }))
    .min(1)
    .max(100),
  /** Put the returned units back on hand. Default true. */
  restock: z.boolean().default(true),
})
export type ReceiveReturnInput = z.input<typeof receiveReturnSchema>
