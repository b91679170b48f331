import type Stripe from 'stripe'

/**
 * The part of a `stripe` SDK instance the adapter uses, so callers inject their own configured
 * client (API key, API version, retries, HTTP agent) and tests can point one at a local server.
 */
export type StripeClient = Pick<Stripe, 'paymentIntents' | 'refunds' | 'webhooks'>
