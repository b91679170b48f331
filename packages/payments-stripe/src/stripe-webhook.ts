import {
  type PaymentWebhookEvent,
  parseInput,
  toValidationIssues,
  ValidationError,
  type WebhookInput,
  webhookHeader,
  webhookInputSchema,
} from '@souk/core'
import { z } from 'zod'
import type { StripeClient } from './stripe-client.js'
import { ORDER_METADATA_KEY, paymentStateFromCharge, paymentStateFromIntent } from './stripe-payment-state.js'

/** The header Stripe signs webhooks in. */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature'

const eventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
})

const metadataSchema = z
  .record(z.string(), z.string())
  .nullish()
  .transform((m) => m ?? null)

const intentSchema = z.object({
  id: z.string().min(1),
  object: z.literal('payment_intent'),
  amount: z.number().int().nonnegative(),
  amount_received: z.number().int().nonnegative().default(0),
  currency: z.string().regex(/^[a-z]{3}$/),
  status: z.string().min(1),
  created: z.number().int().nonnegative(),
  metadata: metadataSchema,
  client_secret: z
    .string()
    .nullish()
    .transform((s) => s ?? null),
  next_action: z
    .object({ type: z.string(), redirect_to_url: z.object({ url: z.string().nullable() }).nullish() })
    .nullish()
    .transform((a) => a ?? null),
  last_payment_error: z
    .object({ code: z.string().optional(), decline_code: z.string().optional() })
    .nullish()
    .transform((e) => e ?? null),
  latest_charge: z
    .union([z.string(), z.object({ amount_refunded: z.number().int().nonnegative() })])
    .nullish()
    .transform((c) => c ?? null),
})

const chargeSchema = z.object({
  object: z.literal('charge'),
  amount: z.number().int().nonnegative(),
  amount_captured: z.number().int().nonnegative(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
  created: z.number().int().nonnegative(),
  metadata: metadataSchema,
  payment_intent: z
    .union([z.string(), z.object({ id: z.string() })])
    .nullish()
    .transform((pi) => (pi == null ? null : typeof pi === 'string' ? pi : pi.id)),
})

/**
 * Verifies a Stripe webhook with `stripe.webhooks.constructEvent` (HMAC over the raw body, with a
 * timestamp tolerance) and translates it:
 * - `payment_intent.*` → `payment.updated` with the PaymentIntent's state as of the event;
 * - `charge.refunded` → `payment.updated` with refunded amounts from the charge;
 * - anything else, and events for PaymentIntents Souk did not create (no `souk_order_id`
 *   metadata, e.g. another app on the same Stripe account) → `ignored`.
 * Throws `ValidationError`: path `headers.stripe-signature` for a missing, forged or stale
 * signature, path `rawBody...` for a body that is not a well-formed event.
 */
export function parseStripeWebhook(
  stripe: StripeClient,
  secret: string,
  toleranceSeconds: number,
  raw: WebhookInput,
): PaymentWebhookEvent {
  const input = parseInput(webhookInputSchema, raw, 'webhook')
  const signaturePath = `headers.${STRIPE_SIGNATURE_HEADER}`
  const signature = webhookHeader(input.headers, STRIPE_SIGNATURE_HEADER)
  if (signature === undefined) {
    throw new ValidationError('Webhook has no Stripe-Signature header', [
      { path: signaturePath, message: 'missing' },
    ])
  }
  let verified: unknown
  try {
    verified = stripe.webhooks.constructEvent(input.rawBody, signature, secret, toleranceSeconds)
  } catch (error) {
    if ((error as { type?: unknown }).type === 'StripeSignatureVerificationError') {
      throw new ValidationError(
        'Webhook signature refused',
        [{ path: signaturePath, message: (error as Error).message }],
        { cause: error },
      )
    }
    if (error instanceof SyntaxError) {
      throw new ValidationError('Webhook body is not JSON', [{ path: 'rawBody', message: 'not JSON' }], {
        cause: error,
      })
    }
    throw error
  }
  const event = bodyOrThrow(eventSchema, verified, 'rawBody')
  const ignored: PaymentWebhookEvent = { kind: 'ignored', eventId: event.id, type: event.type }
  const occurredAt = new Date(event.created * 1000)

  if (event.type.startsWith('payment_intent.')) {
    const intent = bodyOrThrow(intentSchema, event.data.object, 'rawBody.data.object')
    const orderId = intent.metadata?.[ORDER_METADATA_KEY]
    if (orderId === undefined) return ignored
    return {
      kind: 'payment.updated',
      eventId: event.id,
      type: event.type,
      orderId,
      state: paymentStateFromIntent(intent),
      occurredAt,
    }
  }
  if (event.type === 'charge.refunded') {
    const charge = bodyOrThrow(chargeSchema, event.data.object, 'rawBody.data.object')
    const orderId = charge.metadata?.[ORDER_METADATA_KEY]
    if (orderId === undefined || charge.payment_intent === null) return ignored
    const state = paymentStateFromCharge({ ...charge, payment_intent: charge.payment_intent })
    return { kind: 'payment.updated', eventId: event.id, type: event.type, orderId, state, occurredAt }
  }
  return ignored
}

function bodyOrThrow<S extends z.ZodType>(schema: S, value: unknown, at: string): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issues = toValidationIssues(parsed.error).map((i) => ({
    path: i.path === '' ? at : `${at}.${i.path}`,
    message: i.message,
  }))
  throw new ValidationError('Webhook body is not a well-formed Stripe event', issues)
}
