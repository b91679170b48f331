import { z } from 'zod'
import { customerIdSchema } from '../customers/address-schemas.js'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { instantSchema } from '../validation/instant-schema.js'
import { text } from '../validation/text-schema.js'
import { SHIPMENT_STATUSES } from './shipment-status.js'

export const createShipmentSchema = z.strictObject({
  orderId: entityIdSchema,
  carrier: text({ min: 1, max: 100, label: 'carrier' }),
  trackingNumber: text({ min: 1, max: 100, label: 'tracking number' }),
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
  /** Any of the eight carrier statuses (see `SHIPMENT_STATUSES`). */
  status: z.enum(SHIPMENT_STATUSES),
  description: text({ max: 500, label: 'description' }).default(''),
  location: text({ max: 200, label: 'location' }).optional(),
  /** A Date or an ISO-8601 date-time with an offset. Default: now. */
  occurredAt: instantSchema.optional(),
})
export type TrackingEventInput = z.input<typeof trackingEventSchema>

export const listShipmentsSchema = z.strictObject({
  orderId: entityIdSchema,
  customerId: customerIdSchema.optional(),
})
export type ListShipmentsInput = z.input<typeof listShipmentsSchema>
