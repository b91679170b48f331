import {
  cancelOrderSchema,
  createCategorySchema,
  createProductSchema,
  createPromotionSchema,
  createSellerSchema,
  createShippingMethodSchema,
  createShippingZoneSchema,
  receiveReturnSchema,
  setStockSchema,
  transitionOrderSchema,
  updateProductSchema,
} from '@souk/core'
import { Router } from 'express'
import { searchOf } from '../../search-of.js'
import type { RouteContext } from '../create-app.js'
import { HttpError } from '../http-error.js'
import { bodyObject, validated } from '../request-input.js'

/** Staff operations under /api/admin: catalog, stock, promotions, shipping, fulfilment, maintenance. */
export function adminRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  const { catalog, inventory, promotions, shipping, orders, checkout } = commerce
  router.use(security.credentials.requireStaff)

  router.post('/sellers', async (req, res) => {
    res.status(201).json(await catalog.createSeller(validated(createSellerSchema, bodyObject(req), 'seller')))
  })
  router.post('/categories', async (req, res) => {
    res
      .status(201)
      .json(await catalog.createCategory(validated(createCategorySchema, bodyObject(req), 'category')))
  })
  router.post('/products', async (req, res) => {
    res
      .status(201)
      .json(await catalog.createProduct(validated(createProductSchema, bodyObject(req), 'product')))
  })
  router.patch('/products/:productId', async (req, res) => {
    res.json(
      await catalog.updateProduct(
        req.params.productId,
        validated(updateProductSchema, bodyObject(req), 'product update'),
      ),
    )
  })
  router.post('/products/:productId/archive', async (req, res) => {
    res.json(await catalog.archiveProduct(req.params.productId))
  })

  router.put('/stock/:sku', async (req, res) => {
    res.json(
      await inventory.setStock(
        validated(setStockSchema, { ...bodyObject(req), sku: req.params.sku }, 'stock'),
      ),
    )
  })
  router.get('/stock/:sku', async (req, res) => {
    res.json({ items: await inventory.getLevels(req.params.sku) })
  })

  router.get('/promotions', async (_req, res) => {
    res.json(await promotions.list())
  })
  router.post('/promotions', async (req, res) => {
    res
      .status(201)
      .json(await promotions.create(validated(createPromotionSchema, bodyObject(req), 'promotion')))
  })

  router.get('/shipping/zones', async (_req, res) => {
    res.json({ items: await shipping.listZones() })
  })
  router.post('/shipping/zones', async (req, res) => {
    res
      .status(201)
      .json(await shipping.createZone(validated(createShippingZoneSchema, bodyObject(req), 'shipping zone')))
  })
  router.post('/shipping/methods', async (req, res) => {
    res
      .status(201)
      .json(
        await shipping.createMethod(
          validated(createShippingMethodSchema, bodyObject(req), 'shipping method'),
        ),
      )
  })

  router.get('/orders/:orderId', async (req, res) => {
    const ref = { orderId: req.params.orderId }
    const [order, history, shipments] = await Promise.all([
      orders.get(ref),
      orders.history(ref),
      shipping.listShipments(ref),
    ])
    res.json({ ...order, history, shipments })
  })
  router.post('/orders/:orderId/transition', async (req, res) => {
    const input = validated(
      transitionOrderSchema,
      { ...bodyObject(req), orderId: req.params.orderId },
      'order transition',
    )
    res.json(await orders.transition(input))
  })
  router.post('/orders/:orderId/cancel', async (req, res) => {
    res.json(
      await orders.cancel(
        validated(cancelOrderSchema, { ...bodyObject(req), orderId: req.params.orderId }, 'cancellation'),
      ),
    )
  })
  router.post('/orders/:orderId/shipments', async (req, res) => {
    const input = { ...bodyObject(req), orderId: req.params.orderId }
    res
      .status(201)
      .json(await shipping.createShipment(input as Parameters<typeof shipping.createShipment>[0]))
  })
  router.post('/shipments/:shipmentId/tracking', async (req, res) => {
    const input = { ...bodyObject(req), shipmentId: req.params.shipmentId }
    res.json(await shipping.addTrackingEvent(input as Parameters<typeof shipping.addTrackingEvent>[0]))
  })
  router.post('/orders/:orderId/returns/receive', async (req, res) => {
    const input = validated(
      receiveReturnSchema,
      { ...bodyObject(req), orderId: req.params.orderId },
      'received return',
    )
    res.json(await orders.receiveReturn(input))
  })

  router.post('/checkout/recover', async (_req, res) => {
    res.json(await checkout.recover())
  })
  router.post('/search/reindex', async (_req, res) => {
    const search = searchOf(commerce)
    if (!search)
      throw new HttpError(404, 'not_found', 'Search is not wired into this build of createCommerce')
    res.json(await search.reindex())
  })
  return router
}
