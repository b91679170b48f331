import { z } from 'zod'
import { customerIdSchema } from '../customers/address-schemas.js'
import { entityIdSchema } from '../inventory/inventory-schemas.js'

export const createShipmentSchema = z.strictObject({
  orderId: entityIdSchema,
  carrier: z.string().trim().min(1).max(100),
  trackingNumber: z.string().trim().min(1).max(100),
  /** Lines and quantities in this parcel. Default: everything not shipped yet. */
  lines: z
    .array(z.strictObject({ lineId: entityIdSchema, quantity: z.number().int().positive().max(10_000) }))
    .min(1)
    .max(100)
    .optional(),
})
export type CreateShipmentInput = z.input<typeof createShipmentSchema>

export const trackingEventSchema = z.strictObject({
  shipmentId: entityIdSchema,
  status: z.enum(['in_transit', 'delivered', 'exception']),
  description: z.string().trim().max(500).default(''),
  location: z.string().trim().max(200).optional(),
  /** Default: now. */
  occurredAt: z.coerce.date().optional(),
})
export type TrackingEventInput = z.input<typeof trackingEventSchema>

export const listShipmentsSchema = z.strictObject({
  orderId: entityIdSchema,
  customerId: customerIdSchema.optional(),
})
export type ListShipmentsInput = z.input<typeof listShipmentsSchema>
