import { z } from 'zod'
import { currencyCodeSchema } from '../money/currencies.js'
import { text } from '../validation/text-schema.js'

/** Longest idempotency key a provider accepts (Stripe's limit). */
export const MAX_PAYMENT_IDEMPOTENCY_KEY_LENGTH = 255
/** Largest webhook body `parseWebhook` reads: 1 MiB. Stripe's events are far smaller. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024

// Provider ids and order ids end up in URL paths and in Stripe's search query language, so they
// are restricted to characters that need no quoting in either.
const token = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(255, `${what} must be at most 255 characters`)
    .regex(/^[A-Za-z0-9_.:-]+$/, `${what} may hold letters, digits and _ . : - only`)

export const paymentIdSchema = token('payment id')
export const paymentOrderIdSchema = token('order id')

// Not trimmed: the key is the provider's identity for the request.
export const paymentIdempotencyKeySchema = text({
  min: 1,
  max: MAX_PAYMENT_IDEMPOTENCY_KEY_LENGTH,
  trim: false,
  label: 'idempotency key',
})

/** A positive, safe-integer amount of money: what can be authorized, captured or refunded. */
export const paymentAmountSchema = z.strictObject({
  amount: z
    .number()
    .int('amount must be whole minor units')
    .positive('amount must be positive')
    .max(Number.MAX_SAFE_INTEGER, 'amount is too large'),
  currency: currencyCodeSchema,
})

export const authorizeInputSchema = z.strictObject({
  amount: paymentAmountSchema,
  orderId: paymentOrderIdSchema,
  idempotencyKey: paymentIdempotencyKeySchema,
  paymentMethod: text({ min: 1, max: 255, label: 'paymentMethod' }).optional(),
  customerId: text({ min: 1, max: 255, label: 'customerId' }).optional(),
  capture: z.enum(['manual', 'automatic']).optional(),
  returnUrl: z.url().max(2048).optional(),
})

export const captureInputSchema = z.strictObject({
  paymentId: paymentIdSchema,
  amount: paymentAmountSchema.optional(),
  idempotencyKey: paymentIdempotencyKeySchema,
})

export const voidInputSchema = z.strictObject({
  paymentId: paymentIdSchema,
  idempotencyKey: paymentIdempotencyKeySchema,
})

export const refundInputSchema = z.strictObject({
  paymentId: paymentIdSchema,
  amount: paymentAmountSchema,
  idempotencyKey: paymentIdempotencyKeySchema,
  reason: text({ min: 1, max: 500, multiline: true, label: 'reason' }).optional(),
})

export const webhookInputSchema = z.strictObject({
  rawBody: z.union([
    z.string().max(MAX_WEBHOOK_BODY_BYTES, 'webhook body is larger than 1 MiB'),
    z
      .instanceof(Uint8Array)
      .refine((bytes) => bytes.byteLength <= MAX_WEBHOOK_BODY_BYTES, 'webhook body is larger than 1 MiB'),
  ]),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string()), z.undefined()])),
})
