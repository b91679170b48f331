import { z } from 'zod'
import { addressSchema, customerIdSchema } from '../customers/address-schemas.js'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { emailSchema } from '../validation/email-schema.js'
import { text } from '../validation/text-schema.js'

export const idempotencyKeySchema = z
  .string()
  .min(8, 'idempotency key must be at least 8 characters')
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'idempotency key may hold letters, digits and _ . : - only')

export const placeOrderSchema = z.strictObject({
  cartId: entityIdSchema,
  /** The signed-in customer; required for a customer's cart. */
  customerId: customerIdSchema.optional(),
  /** One key per purchase attempt: a retry with the same key returns the same result. */
  idempotencyKey: idempotencyKeySchema,
  payment: z.strictObject({
    /** Which configured provider to charge. Default: the first configured. */
    provider: text({ min: 1, max: 50, label: 'provider' }).optional(),
    /** Provider payment method token, e.g. `pm_card_visa`. */
    method: text({ min: 1, max: 255, label: 'method' }).optional(),
    /** Where a redirect-based action (3-D Secure) returns to. */
    returnUrl: z.url().max(2000).optional(),
  }),
  /** Defaults to the cart's email. One of them is required. */
  email: emailSchema.optional(),
  /** Defaults to the cart's address. */
  shippingAddress: addressSchema.optional(),
  billingAddress: addressSchema.optional(),
  /** Defaults to the cart's method. */
  shippingMethodId: entityIdSchema.optional(),
  /** Defaults to the cart's code. */
  promoCode: text({ min: 1, max: 64, label: 'promoCode' })
    .regex(/^[A-Za-z0-9_-]+$/, 'promo codes hold letters, digits, _ and - only')
    .optional(),
})
export type PlaceOrderInput = z.input<typeof placeOrderSchema>

export const recoverSchema = z.strictObject({
  /** Orders awaiting payment for longer than this are reconciled. Default 2 minutes. */
  staleAfterMs: z.number().int().min(0).max(86_400_000).default(120_000),
  limit: z.number().int().min(1).max(10_000).default(500),
})
export type RecoverInput = z.input<typeof recoverSchema>
