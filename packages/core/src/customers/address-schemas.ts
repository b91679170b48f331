import { z } from 'zod'

/** A postal address as checkout, shipping and the address book take it. */
export const addressSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().min(1).max(100),
  /** ISO 3166-2 subdivision without the country prefix, e.g. `CA`. */
  region: z.string().trim().min(1).max(10).optional(),
  postalCode: z.string().trim().min(1).max(20).optional(),
  /** ISO 3166-1 alpha-2, upper case. */
  country: z.string().regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code like "DE"'),
  phone: z.string().trim().max(40).optional(),
})
export type Address = z.output<typeof addressSchema>

/** Customer ids come from the host app's authentication; Souk only checks their shape. */
export const customerIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'customer id may hold letters, digits and _ . : @ - only')
