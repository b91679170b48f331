import { z } from 'zod'
import { addressSchema, customerIdSchema } from '../customers/address-schemas.js'
import { entityIdSchema, skuSchema } from '../inventory/inventory-schemas.js'
import { currencyCodeSchema } from '../money/currencies.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'
import { emailSchema } from '../validation/email-schema.js'
import { text } from '../validation/text-schema.js'

/** Most distinct SKUs one cart may hold. */
export const MAX_CART_LINES = 100
/** Largest quantity of one SKU in a cart. */
export const MAX_CART_LINE_QUANTITY = 10_000
/** Default idle time after which a cart expires: 30 days. */
export const DEFAULT_CART_TTL_MS = 30 * 24 * 60 * 60 * 1000

const cartRef = {
  cartId: entityIdSchema,
  /** The signed-in customer making the call; required to touch a customer's cart. */
  customerId: customerIdSchema.optional(),
}

export const createCartSchema = z.strictObject({
  customerId: customerIdSchema.optional(),
  currency: currencyCodeSchema,
  email: emailSchema.optional(),
})
export type CreateCartInput = z.input<typeof createCartSchema>

export const cartRefSchema = z.strictObject(cartRef)
export type CartRef = z.input<typeof cartRefSchema>

export const addItemSchema = z.strictObject({
  ...cartRef,
  sku: skuSchema,
  quantity: z.number().int().positive().max(MAX_CART_LINE_QUANTITY),
})
export type AddItemInput = z.input<typeof addItemSchema>

/** A quantity of 0 or less removes the line. */
export const updateItemSchema = z.strictObject({
  ...cartRef,
  sku: skuSchema,
  quantity: z.number().int().min(-MAX_CART_LINE_QUANTITY).max(MAX_CART_LINE_QUANTITY),
})
export type UpdateItemInput = z.input<typeof updateItemSchema>

export const removeItemSchema = z.strictObject({ ...cartRef, sku: skuSchema })
export type RemoveItemInput = z.input<typeof removeItemSchema>

export const setShippingAddressSchema = z.strictObject({ ...cartRef, address: addressSchema })
export type SetShippingAddressInput = z.input<typeof setShippingAddressSchema>

export const setShippingMethodSchema = z.strictObject({
  ...cartRef,
  shippingMethodId: entityIdSchema.nullable(),
})
export type SetShippingMethodInput = z.input<typeof setShippingMethodSchema>

export const setEmailSchema = z.strictObject({ ...cartRef, email: emailSchema })
export type SetEmailInput = z.input<typeof setEmailSchema>

export const applyPromoSchema = z.strictObject({
  ...cartRef,
  code: text({ min: 1, max: 64, label: 'code' }).regex(
    /^[A-Za-z0-9_-]+$/,
    'promo codes hold letters, digits, _ and - only',
  ),
})
export type ApplyPromoInput = z.input<typeof applyPromoSchema>

export const mergeCartsSchema = z.strictObject({
  guestCartId: entityIdSchema,
  customerId: customerIdSchema,
  /**
   * Who the guest cart belongs to when the host gave the visitor an id of their own before they
   * signed in (the example storefront does); the caller vouches for it as for `customerId`.
   * Default: none, the guest cart has no customer.
   */
  guestCustomerId: customerIdSchema.optional(),
})
export type MergeCartsInput = z.input<typeof mergeCartsSchema>

/** The signed-in customer whose open cart to find (e.g. on another device). */
export const findCustomerCartSchema = z.strictObject({ customerId: customerIdSchema })
export type FindCustomerCartInput = z.input<typeof findCustomerCartSchema>

const abandonedQuery = {
  /** Carts idle at least this long count as abandoned. Default 1 hour. */
  idleForMs: z
    .number()
    .int()
    .min(60_000)
    .max(365 * 86_400_000)
    .default(3_600_000),
  /** Default 100, at most 1,000. */
  limit: pageLimitSchema(100, 1000),
}

export const listAbandonedSchema = z.strictObject({
  ...abandonedQuery,
  /** The previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
})
export type ListAbandonedInput = z.input<typeof listAbandonedSchema>

export const notifyAbandonedSchema = z.strictObject(abandonedQuery)
export type NotifyAbandonedInput = z.input<typeof notifyAbandonedSchema>
