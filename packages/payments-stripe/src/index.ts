/**
 * @souk/payments-stripe: Souk's `PaymentProvider` over Stripe PaymentIntents through the `stripe`
 * SDK you inject: authorize (manual or automatic capture, 3-D Secure as `requires_action`),
 * partial capture, void, partial refunds, status, lookup by order, and signature-verified
 * webhooks. Every mutating call carries your idempotency key.
 */
export { mapStripeError, type StripeCallContext } from './map-stripe-error.js'
export { fromStripeAmount, toStripeAmount } from './stripe-amounts.js'
export type { StripeClient } from './stripe-client.js'
export {
  type ChargeSnapshot,
  CUSTOMER_METADATA_KEY,
  type IntentSnapshot,
  ORDER_METADATA_KEY,
  paymentStateFromCharge,
  paymentStateFromIntent,
} from './stripe-payment-state.js'
export { DEFAULT_STRIPE_SEARCH_LAG_MS, type StripePaymentsConfig, stripePayments } from './stripe-payments.js'
export { parseStripeWebhook, STRIPE_SIGNATURE_HEADER } from './stripe-webhook.js'
