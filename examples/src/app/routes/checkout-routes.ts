import { idempotencyKeySchema, isCommerceError, placeOrderSchema } from '@souk/core'
import { type Request, Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { HttpError } from '../http-error.js'
import { customerOf } from '../identity.js'
import { bodyObject, validated } from '../request-input.js'
import { shopperClient } from './fraud-routes.js'

/** `POST /api/checkout`: places the order of a cart, once per `Idempotency-Key`. */
export function checkoutRoutes({ commerce, metrics, security }: RouteContext): Router {
  const router = Router()

  router.post('/checkout', security.limits.checkout, async (req, res) => {
    const key = req.header('idempotency-key')
    if (key === undefined) {
      throw new HttpError(
        400,
        'validation.failed',
        'Send an Idempotency-Key header: one fresh key per purchase attempt, reused on retries',
        {
          issues: [{ path: 'Idempotency-Key', message: 'required' }],
        },
      )
    }
    validated(idempotencyKeySchema, key, 'Idempotency-Key')
    const input = validated(
      placeOrderSchema,
      { ...bodyObject(req), idempotencyKey: key, customerId: customerOf(res), client: shopperClient(req) },
      'order',
    )
    const started = process.hrtime.bigint()
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9
    try {
      const result = await commerce.checkout.placeOrder(input)
      metrics.observeCheckout(result.outcome, elapsed())
      res.status(result.outcome === 'confirmed' ? 201 : 202).json(result)
    } catch (error) {
      metrics.observeCheckout(isCommerceError(error) ? error.code : 'error', elapsed())
      throw error
    }
  })
  return router
}

/**
 * `POST /webhooks/payments/:provider`: the payment provider's webhook, on the raw body (the
 * signature covers the exact bytes). An early event whose order does not exist yet answers 404,
 * so the provider delivers it again; a bad signature answers 400.
 */
export function webhookRoutes({ commerce }: RouteContext): Router {
  const router = Router()
  router.post('/payments/:provider', async (req: Request, res) => {
    const rawBody: unknown = req.body
    if (!Buffer.isBuffer(rawBody) || rawBody.length === 0) {
      throw new HttpError(400, 'validation.failed', 'The webhook has no body', {
        issues: [{ path: 'body', message: 'empty' }],
      })
    }
    const result = await commerce.checkout.handlePaymentWebhook({
      provider: String(req.params.provider),
      rawBody: new Uint8Array(rawBody.buffer, rawBody.byteOffset, rawBody.length),
      headers: req.headers,
    })
    res.json({ received: true, applied: result.applied })
  })
  return router
}
