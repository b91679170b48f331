/**
 * @souk/payments-paypal/testing: a local PayPal-compatible HTTP server (Orders v2, Payments v2,
 * transaction search, OAuth, signed webhooks) for testing a Souk app's PayPal checkout without a
 * sandbox: point `paypalClient({ baseUrl })` at it and trust its certificate origin.
 */
export {
  CLIENT_ID,
  CLIENT_SECRET,
  type MockPaypalEvent,
  type PaypalDelivery,
  type PaypalMockServer,
  type RecordedRequest,
  startPaypalMockServer,
  VAULT,
  WEBHOOK_ID,
} from './paypal-mock-server.js'
export { TEST_SIGNING_CERTIFICATE_PEM } from './test-signing-certificate.js'
