import { paymentProviderSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type StripeMockServer, startStripeMockServer } from './stripe-mock-server.js'
import { harness } from './support.js'

let server: StripeMockServer
beforeAll(async () => {
  server = await startStripeMockServer()
})
afterAll(async () => {
  await server.close()
})

// The same contract the built-in test provider passes, through the real `stripe` SDK over HTTP.
paymentProviderSuite({ describe, it }, async () => harness(server))
