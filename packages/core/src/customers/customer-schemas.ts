import { z } from 'zod'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { addressSchema, customerIdSchema } from './address-schemas.js'

/** Most addresses one customer may keep. */
export const MAX_ADDRESSES = 50

export const addAddressSchema = z.strictObject({
  customerId: customerIdSchema,
  address: addressSchema,
  /** Make it the default shipping address. Default false (true for the customer's first address). */
  defaultShipping: z.boolean().optional(),
  /** Make it the default billing address. Default false (true for the customer's first address). */
  defaultBilling: z.boolean().optional(),
})
export type AddAddressInput = z.input<typeof addAddressSchema>

/** Names the customer whose address book a call reads. */
export const customerRefSchema = z.strictObject({ customerId: customerIdSchema })
export type CustomerRef = z.input<typeof customerRefSchema>

export const addressRefSchema = z.strictObject({ customerId: customerIdSchema, addressId: entityIdSchema })
export type AddressRef = z.input<typeof addressRefSchema>

export const updateAddressSchema = z.strictObject({
  customerId: customerIdSchema,
  addressId: entityIdSchema,
  address: addressSchema,
})
export type UpdateAddressInput = z.input<typeof updateAddressSchema>

export const setDefaultAddressSchema = z.strictObject({
  customerId: customerIdSchema,
  addressId: entityIdSchema,
  kind: z.enum(['shipping', 'billing']),
})
export type SetDefaultAddressInput = z.input<typeof setDefaultAddressSchema>
