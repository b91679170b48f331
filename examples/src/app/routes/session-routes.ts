import { TEST_PAYMENT_METHODS } from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { clearSessionCookie, customerOf, newCustomerId, setSessionCookie } from '../identity.js'
import { servedOverHttps } from '../security/served-over-https.js'

/** The storefront's settings for the browser, and the demo's stand-in for signing in. */
export function sessionRoutes({ commerce, options, security }: RouteContext): Router {
  const router = Router()
  const currencies = options.currencies ?? ['USD', 'EUR']

  router.get('/config', (_req, res) => {
    res.json({
      currencies,
      defaultCurrency: currencies[0],
      stripePublishableKey: options.stripePublishableKey ?? null,
      testPaymentMethods: options.testPayments ? Object.keys(TEST_PAYMENT_METHODS) : [],
      search: 'search' in commerce,
    })
  })

  router.get('/session', (_req, res) => {
    res.json({ customerId: customerOf(res) ?? null })
  })

  // A guest becomes a "customer" with a random id: enough for carts and order history in a demo.
  // A real shop signs customers in with its own authentication and sets the id here.
  router.post('/session', security.limits.session, (req, res) => {
    const existing = customerOf(res)
    const customerId = existing ?? newCustomerId()
    if (!existing) {
      const secure = servedOverHttps(req, options.secureCookies ?? false)
      setSessionCookie(res, options.sessionSecret, customerId, secure)
    }
    res.status(existing ? 200 : 201).json({ customerId })
  })

  router.delete('/session', (_req, res) => {
    clearSessionCookie(res)
    res.status(204).end()
  })
  return router
}
