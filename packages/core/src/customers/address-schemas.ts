import { z } from 'zod'
import { text } from '../validation/text-schema.js'

/** A postal address as checkout, shipping and the address book take it. */
export const addressSchema = z.strictObject({
  name: text({ min: 1, max: 200, label: 'name' }),
  line1: text({ min: 1, max: 200, label: 'line1' }),
  line2: text({ max: 200, label: 'line2' }).optional(),
  city: text({ min: 1, max: 100, label: 'city' }),
  /** ISO 3166-2 subdivision without the country prefix, e.g. `CA`. */
  region: text({ min: 1, max: 10, label: 'region' }).optional(),
  postalCode: text({ min: 1, max: 20, label: 'postal code' }).optional(),
  /** ISO 3166-1 alpha-2, upper case. */
  country: z.string().regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code like "DE"'),
  phone: text({ max: 40, label: 'phone' }).optional(),
})
export type Address = z.output<typeof addressSchema>

/** Customer ids come from the host app's authentication; Souk only checks their shape. */
export const customerIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'customer id may hold letters, digits and _ . : @ - only')
