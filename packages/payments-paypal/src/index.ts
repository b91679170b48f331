/**
 * @souk/payments-paypal: Souk's `PaymentProvider` over PayPal's Orders v2 and Payments v2 APIs
 * through `@paypal/paypal-server-sdk`: authorize (or capture at once), capture, void, partial
 * refunds, status, lookup by order, and webhooks verified offline with PayPal's certificate. Every
 * mutating call sends your idempotency key as `PayPal-Request-Id`.
 */
export { isUnavailable, mapPaypalError, type PaypalCallContext, paypalIssue } from './map-paypal-error.js'
export { fromPaypalMoney, type PaypalMoney, toPaypalMoney } from './paypal-amounts.js'
export { type PaypalClientConfig, paypalClient } from './paypal-client.js'
export {
  type OrderSnapshot,
  type PaypalTransaction,
  paymentStateFromOrder,
} from './paypal-payment-state.js'
export {
  type CompleteApprovedOrderInput,
  DEFAULT_PAYPAL_SEARCH_LAG_MS,
  type PaypalPaymentProvider,
  type PaypalPaymentsConfig,
  paypalPayments,
} from './paypal-payments.js'
export {
  type CertificateFetcher,
  PAYPAL_CERTIFICATE_ORIGINS,
  PAYPAL_WEBHOOK_HEADERS,
  translatePaypalEvent,
} from './paypal-webhook.js'
