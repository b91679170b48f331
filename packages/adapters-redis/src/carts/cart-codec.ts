import type { Address, CartRecord } from '@souk/core'
import { z } from 'zod'

/**
 * How a cart is written into Redis: JSON with every `Date` as its ISO-8601 string (a JS `Date`
 * holds whole milliseconds, and `toISOString` writes all of them, so it reads back exactly).
 * Dates are revived by field, never by a reviver that guesses from the text, so an address line
 * that happens to look like a date stays a string.
 */
export function encodeCart(cart: CartRecord): string {
  return JSON.stringify({
    id: cart.id,
    customerId: cart.customerId,
    currency: cart.currency,
    lines: cart.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, addedAt: l.addedAt.toISOString() })),
    email: cart.email,
    promoCode: cart.promoCode,
    shippingAddress: cart.shippingAddress,
    shippingMethodId: cart.shippingMethodId,
    orderId: cart.orderId,
    version: cart.version,
    createdAt: cart.createdAt.toISOString(),
    updatedAt: cart.updatedAt.toISOString(),
    expiresAt: cart.expiresAt.toISOString(),
  })
}

const isoDate = z.iso.datetime().transform((text) => new Date(text))

/**
 * Strict on purpose: an entry with a missing, extra or mistyped field (written by another version
 * of Souk, or not by Souk at all) is not a cart this code understands, so it counts as a miss and
 * the durable store answers instead.
 */
const storedCartSchema = z.strictObject({
  id: z.string(),
  customerId: z.string().nullable(),
  currency: z.string(),
  lines: z.array(z.strictObject({ sku: z.string(), quantity: z.number(), addedAt: isoDate })),
  email: z.string().nullable(),
  promoCode: z.string().nullable(),
  // Kept as stored (the durable store keeps it as jsonb): validating it is the cart service's job.
  shippingAddress: z.record(z.string(), z.unknown()).nullable(),
  shippingMethodId: z.string().nullable(),
  orderId: z.string().nullable(),
  version: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
  expiresAt: isoDate,
})

/** Reads back what {@link encodeCart} wrote; `undefined` for anything else (not JSON, wrong shape). */
export function decodeCart(text: string): CartRecord | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  const parsed = storedCartSchema.safeParse(json)
  if (!parsed.success) return undefined
  return { ...parsed.data, shippingAddress: parsed.data.shippingAddress as Address | null }
}
