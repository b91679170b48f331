import { cancelOrderSchema, getOrderSchema, listCustomerOrdersSchema, requestReturnSchema } from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { requireCustomer } from '../identity.js'
import { bodyObject, queryNumber, queryText, validated } from '../request-input.js'

/**
 * The signed-in customer's orders. Every call carries the customer id, so another customer's order
 * answers 404 exactly like a missing one.
 */
export function orderRoutes({ commerce }: RouteContext): Router {
  const router = Router()
  const { orders, shipments } = commerce

  router.get('/orders', async (req, res) => {
    const customerId = requireCustomer(res)
    const input = validated(
      listCustomerOrdersSchema,
      { customerId, cursor: queryText(req.query, 'cursor'), limit: queryNumber(req.query, 'limit') },
      'order query',
    )
    res.json(await orders.listForCustomer(input))
  })

  router.get('/orders/:orderId', async (req, res) => {
    const ref = validated(
      getOrderSchema,
      { orderId: req.params.orderId, customerId: requireCustomer(res) },
      'order reference',
    )
    const [order, history, parcels] = await Promise.all([
      orders.get(ref),
      orders.history(ref),
      shipments.list({ orderId: ref.orderId, customerId: ref.customerId }),
    ])
    res.json({ ...order, history, shipments: parcels })
  })

  router.post('/orders/:orderId/cancel', async (req, res) => {
    const input = validated(
      cancelOrderSchema,
      { ...bodyObject(req), orderId: req.params.orderId, customerId: requireCustomer(res) },
      'cancellation',
    )
    res.json(await orders.cancel(input))
  })

  router.post('/orders/:orderId/returns', async (req, res) => {
    const input = validated(
      requestReturnSchema,
      { ...bodyObject(req), orderId: req.params.orderId, customerId: requireCustomer(res) },
      'return request',
    )
    res.json(await orders.requestReturn(input))
  })

  return router
}
