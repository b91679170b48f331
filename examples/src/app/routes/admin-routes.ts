import {
  cancelOrderSchema,
  categoryRefSchema,
  createCategorySchema,
  createProductSchema,
  createPromotionSchema,
  createSellerSchema,
  createShipmentSchema,
  createShippingMethodSchema,
  createShippingZoneSchema,
  exportProductsCsv,
  importProductsCsv,
  listPromotionsSchema,
  listShippingZonesSchema,
  moveCategorySchema,
  receiveReturnSchema,
  setStockSchema,
  trackingEventSchema,
  transitionOrderSchema,
  updateCategorySchema,
  updateProductSchema,
  updatePromotionSchema,
  updateShippingMethodSchema,
  updateShippingZoneSchema,
} from '@souk/core'
import { Router } from 'express'
import { z } from 'zod'
import type { RouteContext } from '../create-app.js'
import { bodyObject, queryNumber, queryText, validated } from '../request-input.js'

/** `POST /api/admin/catalog/import`: the CSV text (see docs/catalog.md) and whether to only check it. */
const csvImportSchema = z.strictObject({
  csv: z.string().min(1).max(10_000_000),
  dryRun: z.boolean().default(false),
})

/** Staff operations under /api/admin: catalog, stock, promotions, shipping, fulfilment, maintenance. */
export function adminRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  const { catalog, inventory, promotions, shipping, shipments, orders, checkout } = commerce
  router.use(security.credentials.requireStaff)

  router.post('/sellers', async (req, res) => {
    res.status(201).json(await catalog.createSeller(validated(createSellerSchema, bodyObject(req), 'seller')))
  })
  router.post('/categories', async (req, res) => {
    res
      .status(201)
      .json(await catalog.createCategory(validated(createCategorySchema, bodyObject(req), 'category')))
  })
  router.patch('/categories/:categoryId', async (req, res) => {
    const input = { ...bodyObject(req), categoryId: req.params.categoryId }
    res.json(await catalog.updateCategory(validated(updateCategorySchema, input, 'category update')))
  })
  router.post('/categories/:categoryId/move', async (req, res) => {
    const input = { ...bodyObject(req), categoryId: req.params.categoryId }
    res.json(await catalog.moveCategory(validated(moveCategorySchema, input, 'category move')))
  })
  router.delete('/categories/:categoryId', async (req, res) => {
    await catalog.deleteCategory(
      validated(categoryRefSchema, { categoryId: req.params.categoryId }, 'category'),
    )
    res.status(204).end()
  })
  // CSV import within the app's JSON body limit (100 kB by default); big files: `pnpm catalog:import`.
  router.post('/catalog/import', async (req, res) => {
    const { csv, dryRun } = validated(csvImportSchema, bodyObject(req), 'CSV import')
    res.json(await importProductsCsv(commerce, { source: csv, dryRun }))
  })
  router.get('/catalog/export', async (_req, res) => {
    res.type('text/csv; charset=utf-8').attachment('products.csv')
    for await (const chunk of exportProductsCsv(commerce)) res.write(chunk)
    res.end()
  })
  router.post('/products', async (req, res) => {
    res
      .status(201)
      .json(await catalog.createProduct(validated(createProductSchema, bodyObject(req), 'product')))
  })
  router.patch('/products/:productId', async (req, res) => {
    res.json(
      await catalog.updateProduct(
        validated(
          updateProductSchema,
          { ...bodyObject(req), productId: req.params.productId },
          'product update',
        ),
      ),
    )
  })
  router.post('/products/:productId/archive', async (req, res) => {
    res.json(await catalog.archiveProduct({ productId: req.params.productId }))
  })

  router.put('/stock/:sku', async (req, res) => {
    res.json(
      await inventory.setStock(
        validated(setStockSchema, { ...bodyObject(req), sku: req.params.sku }, 'stock'),
      ),
    )
  })
  router.get('/stock/:sku', async (req, res) => {
    res.json({ items: await inventory.getLevels({ sku: req.params.sku }) })
  })

  router.get('/promotions', async (req, res) => {
    const page = { cursor: queryText(req.query, 'cursor'), limit: queryNumber(req.query, 'limit') }
    res.json(await promotions.list(validated(listPromotionsSchema, page, 'promotion query')))
  })
  router.post('/promotions', async (req, res) => {
    res
      .status(201)
      .json(await promotions.create(validated(createPromotionSchema, bodyObject(req), 'promotion')))
  })

  router.patch('/promotions/:promotionId', async (req, res) => {
    const input = { ...bodyObject(req), promotionId: req.params.promotionId }
    res.json(await promotions.update(validated(updatePromotionSchema, input, 'promotion update')))
  })

  router.get('/shipping/zones', async (req, res) => {
    const page = { cursor: queryText(req.query, 'cursor'), limit: queryNumber(req.query, 'limit') }
    res.json(await shipping.listZones(validated(listShippingZonesSchema, page, 'shipping zone query')))
  })
  router.post('/shipping/zones', async (req, res) => {
    res
      .status(201)
      .json(await shipping.createZone(validated(createShippingZoneSchema, bodyObject(req), 'shipping zone')))
  })
  router.patch('/shipping/zones/:zoneId', async (req, res) => {
    const input = { ...bodyObject(req), zoneId: req.params.zoneId }
    res.json(await shipping.updateZone(validated(updateShippingZoneSchema, input, 'shipping zone update')))
  })
  router.patch('/shipping/methods/:methodId', async (req, res) => {
    const input = { ...bodyObject(req), methodId: req.params.methodId }
    res.json(
      await shipping.updateMethod(validated(updateShippingMethodSchema, input, 'shipping method update')),
    )
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
    const [order, history, parcels] = await Promise.all([
      orders.get(ref),
      orders.history(ref),
      shipments.list(ref),
    ])
    res.json({ ...order, history, shipments: parcels })
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
    const input = validated(
      createShipmentSchema,
      { ...bodyObject(req), orderId: req.params.orderId },
      'shipment',
    )
    res.status(201).json(await shipments.create(input))
  })
  router.post('/shipments/:shipmentId/tracking', async (req, res) => {
    const input = validated(
      trackingEventSchema,
      { ...bodyObject(req), shipmentId: req.params.shipmentId },
      'tracking event',
    )
    res.json(await shipments.addTrackingEvent(input))
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
    res.json(await commerce.search.reindex())
  })
  return router
}
