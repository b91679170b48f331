import type { PaymentProviderHarness } from '@souk/core/testing'
import { type PaypalPaymentsConfig, paypalClient, paypalPayments } from '../src/index.js'
import { CLIENT_ID, CLIENT_SECRET, type PaypalMockServer, VAULT, WEBHOOK_ID } from '../src/testing/index.js'

/** The real SDK, its connections routed to the local server. */
export function sdkClient(server: PaypalMockServer, secret = CLIENT_SECRET) {
  return paypalClient({ clientId: CLIENT_ID, clientSecret: secret, baseUrl: server.origin, timeoutMs: 5_000 })
}

/** The adapter over the local server, trusting its certificate origin, with fast retries. */
export function provider(server: PaypalMockServer, config: Partial<PaypalPaymentsConfig> = {}) {
  return paypalPayments({
    client: sdkClient(server),
    webhookId: WEBHOOK_ID,
    webhookCertificateOrigins: [server.origin],
    retryDelayMs: 5,
    ...config,
  })
}

export function harness(
  server: PaypalMockServer,
  config: Partial<PaypalPaymentsConfig> = {},
): PaymentProviderHarness {
  return {
    provider: provider(server, config),
    paymentMethods: { approve: VAULT.approve, decline: VAULT.decline, requiresAction: VAULT.threeDSecure },
    completeAction: async (paymentId, outcome) => server.deliver(server.completeAction(paymentId, outcome)),
    signWebhook: (rawBody) => server.sign(rawBody),
    inspect: {
      paymentCount: async (orderId) =>
        server
          .orders()
          .filter((o) => (o.purchase_units as { custom_id?: string }[])[0]?.custom_id === orderId).length,
    },
  }
}
