import { z } from 'zod'
import { addressSchema, customerIdSchema } from '../customers/address-schemas.js'
import { normalizeIp } from '../fraud/fraud-subjects.js'
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
    /**
     * A stable fingerprint of the card or wallet (e.g. Stripe's `card.fingerprint`), the same for
     * every token of one card: what fraud checks count per card. Default: the method token.
     */
    fingerprint: text({ min: 1, max: 200, label: 'fingerprint' }).optional(),
  }),
  /**
   * The shopper's client as the host saw it, for fraud checks. Not part of what the request buys:
   * a retry with the same key from another address is the same request.
   */
  client: z
    .strictObject({
      /** The shopper's IP address (IPv4, IPv6, or IPv4-mapped IPv6). */
      ip: text({ min: 2, max: 64, label: 'ip' })
        .refine((ip) => normalizeIp(ip) !== null, 'not an IP address')
        .optional(),
      userAgent: text({ max: 500, label: 'userAgent' }).optional(),
    })
    .optional(),
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
  /**
   * Flash-sale tickets (from the gate's `admit`) for lines of this cart: each buys one unit of its
   * SKU at the sale's price, checked and claimed server-side; needs a signed-in `customerId`.
   */
  flashSaleTickets: z
    .array(z.strictObject({ saleId: entityIdSchema, ticketId: entityIdSchema }))
    .min(1)
    .max(50)
    .refine((ts) => new Set(ts.map((t) => t.ticketId)).size === ts.length, 'a ticket may be given once')
    .optional(),
})
export type PlaceOrderInput = z.input<typeof placeOrderSchema>

export const recoverSchema = z.strictObject({
  /** Orders awaiting payment for longer than this are reconciled. Default 2 minutes. */
  staleAfterMs: z.number().int().min(0).max(86_400_000).default(120_000),
  limit: z.number().int().min(1).max(10_000).default(500),
})
export type RecoverInput = z.input<typeof recoverSchema>
