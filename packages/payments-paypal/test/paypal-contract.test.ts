import { paymentProviderSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type PaypalMockServer, startPaypalMockServer } from '../src/testing/index.js'
import { harness } from './support.js'

let server: PaypalMockServer
beforeAll(async () => {
  server = await startPaypalMockServer()
})
afterAll(async () => {
  await server.close()
})

// The same contract the built-in test provider and Stripe pass, through the real
// @paypal/paypal-server-sdk over HTTP.
paymentProviderSuite({ describe, it }, async () => harness(server))
