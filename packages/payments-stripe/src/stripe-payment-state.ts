import type { PaymentAction, PaymentState, PaymentStatus } from '@souk/core'
import { fromStripeAmount, fromStripeCurrency } from './stripe-amounts.js'

/** The metadata key that ties a PaymentIntent (and the charges Stripe copies it to) to a Souk order. */
export const ORDER_METADATA_KEY = 'souk_order_id'
/** The metadata key holding Souk's customer id, for reference in the Stripe dashboard. */
export const CUSTOMER_METADATA_KEY = 'souk_customer_id'

/**
 * The fields of a PaymentIntent the adapter reads. `Stripe.PaymentIntent` fits it, and so does the
 * validated `data.object` of a webhook event (where `latest_charge` is never expanded).
 */
export interface IntentSnapshot {
  readonly id: string
  readonly amount: number
  readonly amount_received: number
  readonly currency: string
  readonly status: string
  readonly created: number
  readonly metadata: Readonly<Record<string, string>> | null
  readonly client_secret: string | null
  readonly next_action: {
    readonly type: string
    readonly redirect_to_url?: { readonly url: string | null } | null
  } | null
  readonly last_payment_error: { readonly code?: string; readonly decline_code?: string } | null
  readonly latest_charge: string | { readonly amount_refunded: number } | null
}

/** The fields of a Charge the adapter reads, for `charge.refunded` events. */
export interface ChargeSnapshot {
  readonly amount: number
  readonly amount_captured: number
  readonly amount_refunded: number
  readonly currency: string
  readonly created: number
  readonly metadata: Readonly<Record<string, string>> | null
  readonly payment_intent: string
}

/**
 * Stripe PaymentIntent status → Souk payment status:
 * requires_capture → authorized; succeeded → captured, or (partially_)refunded by the charge's
 * `amount_refunded`; canceled → voided; requires_action → requires_action (with the client
 * secret); requires_payment_method after a failed attempt (`last_payment_error`) → failed, before
 * any attempt → requires_action `collect_payment_method`; requires_confirmation and processing →
 * pending.
 */
export function paymentStateFromIntent(pi: IntentSnapshot): PaymentState {
  const currency = fromStripeCurrency(pi.currency)
  const amount = fromStripeAmount(pi.amount, currency)
  const zero = fromStripeAmount(0, currency)
  const refunded =
    typeof pi.latest_charge === 'object' && pi.latest_charge !== null
      ? fromStripeAmount(pi.latest_charge.amount_refunded, currency)
      : zero
  const captured = pi.status === 'succeeded' ? fromStripeAmount(pi.amount_received, currency) : zero
  const base = {
    paymentId: pi.id,
    orderId: pi.metadata?.[ORDER_METADATA_KEY] ?? null,
    amount,
    capturedAmount: captured,
    refundedAmount: refunded,
    createdAt: new Date(pi.created * 1000),
  }
  switch (pi.status) {
    case 'requires_capture':
      return { ...base, status: 'authorized' }
    case 'succeeded':
      return { ...base, status: refundStatus(captured.amount, refunded.amount) }
    case 'canceled':
      return { ...base, status: 'voided' }
    case 'requires_action':
      return {
        ...base,
        status: 'requires_action',
        action: actionOf(pi, pi.next_action?.type ?? 'use_stripe_sdk'),
      }
    case 'requires_payment_method': {
      const error = pi.last_payment_error
      if (error === null)
        return { ...base, status: 'requires_action', action: actionOf(pi, 'collect_payment_method') }
      return { ...base, status: 'failed', failureCode: error.decline_code ?? error.code ?? 'payment_failed' }
    }
    default:
      return { ...base, status: 'pending' }
  }
}

/** The payment state a `charge.refunded` event implies, or null for a charge without a PaymentIntent. */
export function paymentStateFromCharge(charge: ChargeSnapshot): PaymentState {
  const currency = fromStripeCurrency(charge.currency)
  const captured = fromStripeAmount(charge.amount_captured, currency)
  const refunded = fromStripeAmount(charge.amount_refunded, currency)
  return {
    paymentId: charge.payment_intent,
    orderId: charge.metadata?.[ORDER_METADATA_KEY] ?? null,
    status: refundStatus(captured.amount, refunded.amount),
    amount: fromStripeAmount(charge.amount, currency),
    capturedAmount: captured,
    refundedAmount: refunded,
    createdAt: new Date(charge.created * 1000),
  }
}

function refundStatus(captured: number, refunded: number): PaymentStatus {
  if (refunded === 0) return 'captured'
  return refunded >= captured ? 'refunded' : 'partially_refunded'
}

function actionOf(pi: IntentSnapshot, type: string): PaymentAction {
  const url = pi.next_action?.redirect_to_url?.url ?? undefined
  return {
    type,
    ...(pi.client_secret === null ? {} : { clientSecret: pi.client_secret }),
    ...(url === undefined ? {} : { url }),
  }
}
