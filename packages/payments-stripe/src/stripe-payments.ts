import {
  authorizeInputSchema,
  captureInputSchema,
  type Money,
  type PaymentProvider,
  type PaymentState,
  parseConfig,
  parseInput,
  paymentIdSchema,
  paymentOrderIdSchema,
  refundInputSchema,
  ValidationError,
  voidInputSchema,
} from '@souk/core'
import type Stripe from 'stripe'
import { z } from 'zod'
import { mapStripeError, type StripeCallContext } from './map-stripe-error.js'
import { toStripeAmount } from './stripe-amounts.js'
import type { StripeClient } from './stripe-client.js'
import { CUSTOMER_METADATA_KEY, ORDER_METADATA_KEY, paymentStateFromIntent } from './stripe-payment-state.js'
import { parseStripeWebhook } from './stripe-webhook.js'

/** Stripe's own refund reasons; any other reason Souk is given is kept in refund metadata only. */
const STRIPE_REFUND_REASONS: ReadonlySet<string> = new Set([
  'duplicate',
  'fraudulent',
  'requested_by_customer',
])
/** Default for {@link StripePaymentsConfig.searchLagMs}. */
export const DEFAULT_STRIPE_SEARCH_LAG_MS = 5 * 60 * 1000

export interface StripePaymentsConfig {
  /** A `stripe` SDK instance (`new Stripe(secretKey)`), configured as the host app wants. */
  readonly stripe: StripeClient
  /** The webhook endpoint's signing secret (`whsec_...`) from the Stripe dashboard or CLI. */
  readonly webhookSecret: string
  /** Capture method when `authorize` names none. Default `'manual'` (authorize now, capture on fulfilment). */
  readonly captureMethod?: 'manual' | 'automatic'
  /** Provider id recorded with orders. Default `'stripe'`. */
  readonly id?: string
  /**
   * How long Stripe's search index may lag behind a new PaymentIntent, reported as
   * `findByOrderLagMs`. Stripe documents under a minute normally, up to an hour during outages.
   * Default 5 minutes.
   */
  readonly searchLagMs?: number
  /** Webhook signature timestamp tolerance in seconds. Default 300 (the SDK's default). */
  readonly webhookToleranceSeconds?: number
}

const configSchema = z.strictObject({
  stripe: z.custom<StripeClient>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as StripeClient).paymentIntents?.create === 'function' &&
      typeof (value as StripeClient).refunds?.create === 'function' &&
      typeof (value as StripeClient).webhooks?.constructEvent === 'function',
    'must be a stripe SDK instance (new Stripe(secretKey))',
  ),
  webhookSecret: z.string().min(1, 'webhookSecret must not be empty'),
  captureMethod: z.enum(['manual', 'automatic']).optional(),
  id: z.string().min(1).max(50).optional(),
  searchLagMs: z.number().int().min(0).optional(),
  webhookToleranceSeconds: z.number().int().positive().optional(),
})

/**
 * Souk's `PaymentProvider` over Stripe PaymentIntents, through an injected `stripe` SDK instance.
 *
 * - `authorize` creates and confirms a PaymentIntent in one call (`confirm: true`) with
 *   `metadata.souk_order_id`; `capture_method` manual or automatic. Without a `returnUrl` it allows
 *   no redirect-based payment methods, so card 3-D Secure comes back as `requires_action` with a
 *   client secret for Stripe.js; without a `paymentMethod` it only creates the PaymentIntent and
 *   answers `requires_action` / `collect_payment_method` for the storefront to confirm.
 * - Every mutating call sends the caller's idempotency key as Stripe's `Idempotency-Key`.
 * - `findByOrder` uses the Search API (`metadata['souk_order_id']:'...'`): listing cannot filter by
 *   metadata and would scan every PaymentIntent. Search is eventually consistent, hence
 *   `findByOrderLagMs`.
 * - Amounts convert between ISO-4217 minor units and Stripe's (MGA, ISK differ).
 *
 * Throws `ConfigError` (`config.invalid`) for an invalid config.
 */
export function stripePayments(config: StripePaymentsConfig): PaymentProvider {
  const parsed = parseConfig(configSchema, config, 'stripePayments config')
  const { stripe, webhookSecret } = parsed
  const providerId = parsed.id ?? 'stripe'
  const defaultCapture = parsed.captureMethod ?? 'manual'
  const tolerance = parsed.webhookToleranceSeconds ?? 300

  async function call<T>(
    context: Omit<StripeCallContext, 'provider'>,
    request: () => Promise<T>,
  ): Promise<T> {
    try {
      return await request()
    } catch (error) {
      throw mapStripeError(error, { provider: providerId, ...context })
    }
  }

  async function retrieve(
    paymentId: string,
    operation: StripeCallContext['operation'],
  ): Promise<PaymentState> {
    const pi = await call({ operation, paymentId }, () =>
      stripe.paymentIntents.retrieve(paymentId, { expand: ['latest_charge'] }),
    )
    return paymentStateFromIntent(pi)
  }

  // Stripe takes a bare integer for captures and refunds; the currency is checked here, against the
  // PaymentIntent's, so a EUR refund is never applied to a USD payment as the same number.
  function checkCurrency(state: PaymentState, amount: Money): void {
    if (amount.currency !== state.amount.currency) {
      throw new ValidationError(
        `Payment ${state.paymentId} is in ${state.amount.currency}, not ${amount.currency}`,
        [{ path: 'amount.currency', message: `must be ${state.amount.currency}, the payment's currency` }],
      )
    }
  }

  return {
    id: providerId,
    findByOrderLagMs: parsed.searchLagMs ?? DEFAULT_STRIPE_SEARCH_LAG_MS,

    async authorize(raw) {
      const input = parseInput(authorizeInputSchema, raw, 'authorize input')
      const params: Stripe.PaymentIntentCreateParams = {
        amount: toStripeAmount(input.amount),
        currency: input.amount.currency.toLowerCase(),
        capture_method: input.capture ?? defaultCapture,
        metadata: {
          [ORDER_METADATA_KEY]: input.orderId,
          ...(input.customerId === undefined ? {} : { [CUSTOMER_METADATA_KEY]: input.customerId }),
        },
        ...(input.paymentMethod === undefined ? {} : { payment_method: input.paymentMethod, confirm: true }),
        ...(input.returnUrl === undefined
          ? { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } }
          : { return_url: input.returnUrl }),
        expand: ['latest_charge'],
      }
      const pi = await call({ operation: 'authorize' }, () =>
        stripe.paymentIntents.create(params, { idempotencyKey: input.idempotencyKey }),
      )
      return paymentStateFromIntent(pi)
    },

    async capture(raw) {
      const input = parseInput(captureInputSchema, raw, 'capture input')
      const { paymentId, amount } = input
      if (amount !== undefined) checkCurrency(await retrieve(paymentId, 'capture'), amount)
      const pi = await call(
        { operation: 'capture', paymentId, ...(amount ? { requested: amount } : {}) },
        () =>
          stripe.paymentIntents.capture(
            paymentId,
            {
              ...(amount === undefined ? {} : { amount_to_capture: toStripeAmount(amount) }),
              expand: ['latest_charge'],
            },
            { idempotencyKey: input.idempotencyKey },
          ),
      )
      return paymentStateFromIntent(pi)
    },

    async void(raw) {
      const input = parseInput(voidInputSchema, raw, 'void input')
      const pi = await call({ operation: 'void', paymentId: input.paymentId }, () =>
        stripe.paymentIntents.cancel(
          input.paymentId,
          { expand: ['latest_charge'] },
          { idempotencyKey: input.idempotencyKey },
        ),
      )
      return paymentStateFromIntent(pi)
    },

    async refund(raw) {
      const input = parseInput(refundInputSchema, raw, 'refund input')
      const { paymentId, amount, reason } = input
      checkCurrency(await retrieve(paymentId, 'refund'), amount)
      const refund = await call({ operation: 'refund', paymentId, requested: amount }, () =>
        stripe.refunds.create(
          {
            payment_intent: paymentId,
            amount: toStripeAmount(amount),
            ...(reason === undefined
              ? {}
              : {
                  metadata: { souk_reason: reason },
                  ...(STRIPE_REFUND_REASONS.has(reason)
                    ? { reason: reason as Stripe.RefundCreateParams.Reason }
                    : {}),
                }),
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      )
      return { ...(await retrieve(paymentId, 'refund')), refundId: refund.id }
    },

    async status(paymentId) {
      return retrieve(parseInput(paymentIdSchema, paymentId, 'payment id'), 'status')
    },

    async findByOrder(orderId) {
      const id = parseInput(paymentOrderIdSchema, orderId, 'order id')
      const found: PaymentState[] = []
      let page: string | undefined
      do {
        const result = await call({ operation: 'find_by_order' }, () =>
          stripe.paymentIntents.search({
            // The order id schema allows no quote or backslash, so it cannot break out of the query.
            query: `metadata['${ORDER_METADATA_KEY}']:'${id}'`,
            expand: ['data.latest_charge'],
            limit: 100,
            ...(page === undefined ? {} : { page }),
          }),
        )
        found.push(...result.data.map(paymentStateFromIntent))
        page = result.has_more ? (result.next_page ?? undefined) : undefined
      } while (page !== undefined)
      // Search lists newest first; creation times are whole seconds, so ties keep that order reversed.
      return found.reverse().sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    },

    async parseWebhook(input) {
      return parseStripeWebhook(stripe, webhookSecret, tolerance, input)
    },
  }
}
