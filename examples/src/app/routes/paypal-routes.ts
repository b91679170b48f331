import { paymentIdSchema } from '@souk/core'
import type { PaypalPaymentProvider } from '@souk/payments-paypal'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { validated } from '../request-input.js'

/**
 * `POST /api/checkout/paypal/:paypalOrderId/complete`: the buyer is back from approving at PayPal
 * (PayPal's JS SDK `onApprove`, or the return URL with `?token=<PayPal order id>`). Authorizes the
 * approved PayPal order once (the key is derived from it, so retries replay); PayPal's
 * PAYMENT.AUTHORIZATION.CREATED webhook then confirms the Souk order. Only the payer's approval can
 * make this succeed, and the amount was fixed when checkout created the PayPal order, so the route
 * needs no session: a stranger calling it completes nothing the payer did not approve.
 */
export function paypalRoutes({ security }: RouteContext, paypal: PaypalPaymentProvider): Router {
  const router = Router()
  router.post('/checkout/paypal/:paypalOrderId/complete', security.limits.checkout, async (req, res) => {
    const paymentId = validated(paymentIdSchema, req.params.paypalOrderId, 'paypalOrderId')
    const payment = await paypal.completeApprovedOrder({ paymentId, idempotencyKey: `${paymentId}:complete` })
    res.json({ payment: { paymentId: payment.paymentId, orderId: payment.orderId, status: payment.status } })
  })
  return router
}
