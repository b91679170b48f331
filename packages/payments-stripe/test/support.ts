import type { PaymentProviderHarness, SignedWebhook } from '@souk/core/testing'
import Stripe from 'stripe'
import { type StripePaymentsConfig, stripePayments } from '../src/index.js'
import type { MockStripeEvent, StripeMockServer } from './stripe-mock-server.js'

export const WEBHOOK_SECRET = 'whsec_souk_test_secret'

/** The real SDK, pointed at the local server. */
export function stripeClient(
  server: StripeMockServer,
  config: { maxNetworkRetries?: number; key?: string } = {},
): Stripe {
  return new Stripe(config.key ?? 'sk_test_souk', {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    telemetry: false,
    ...(config.maxNetworkRetries === undefined ? {} : { maxNetworkRetries: config.maxNetworkRetries }),
  })
}

/** Signs a body with the SDK's own test helper, as Stripe signs webhook deliveries. */
export function signed(
  stripe: Stripe,
  rawBody: string,
  options: { secret?: string; timestamp?: number } = {},
): SignedWebhook {
  const header = stripe.webhooks.generateTestHeaderString({
    payload: rawBody,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  })
  return { rawBody, headers: { 'content-type': 'application/json', 'stripe-signature': header } }
}

/** A Stripe event as Stripe would deliver it, signed. */
export function delivery(stripe: Stripe, event: MockStripeEvent): SignedWebhook {
  return signed(stripe, JSON.stringify(event, null, 2))
}

export function harness(
  server: StripeMockServer,
  config: Partial<StripePaymentsConfig> = {},
): PaymentProviderHarness {
  const stripe = stripeClient(server)
  return {
    provider: stripePayments({ stripe, webhookSecret: WEBHOOK_SECRET, ...config }),
    paymentMethods: {
      approve: 'pm_card_visa',
      decline: 'pm_card_chargeDeclined',
      requiresAction: 'pm_card_threeDSecure2Required',
    },
    completeAction: async (paymentId, outcome) => delivery(stripe, server.completeAction(paymentId, outcome)),
    signWebhook: (rawBody) => signed(stripe, rawBody),
    inspect: {
      paymentCount: async (orderId) =>
        server
          .paymentIntents()
          .filter((pi) => (pi.metadata as Record<string, string>).souk_order_id === orderId).length,
    },
  }
}
