import {
  createShipmentSchema,
  type ListProductsInput,
  listSellerOrdersSchema,
  type SellerPortal,
  sellerAdjustStockSchema,
  sellerAnalyticsSchema,
  sellerFulfilmentsQuerySchema,
  sellerSetStockSchema,
  trackingEventSchema,
} from '@souk/core'
import { type Request, Router } from 'express'
import { z } from 'zod'
import type { RouteContext } from '../create-app.js'
import { bodyObject, queryBoolean, queryNumber, queryText, validated } from '../request-input.js'

const DAY = 86_400_000

/** `from`/`to` as ISO-8601 dates or date-times, checked before the default window is computed from them. */
const isoDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'expected an ISO-8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z',
})
const analyticsWindowSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() })

/**
 * The seller portal under `/sellers/:sellerId`: that seller's token (SELLER_TOKENS) or the staff
 * token; another seller's token is a 403. Every call goes through `commerce.sellers.portal`, so a
 * product, SKU, order, line or shipment of another seller is a 404, as an unknown id is.
 */
export function sellerRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  router.use('/sellers/:sellerId', security.credentials.requireSeller)
  // requireSeller has matched the token to :sellerId; the portal keeps every call inside it.
  const portalOf = (req: Request<{ sellerId: string }>): SellerPortal =>
    commerce.sellers.portal({ sellerId: req.params.sellerId })

  router.get('/sellers/:sellerId/orders', async (req, res) => {
    const input = validated(
      listSellerOrdersSchema,
      {
        sellerId: req.params.sellerId,
        cursor: queryText(req.query, 'cursor'),
        limit: queryNumber(req.query, 'limit'),
      },
      'seller order query',
    )
    res.json(await commerce.orders.listForSeller(input))
  })

  // Default window: the last 30 days.
  router.get('/sellers/:sellerId/analytics', async (req, res) => {
    const window = validated(
      analyticsWindowSchema,
      { from: queryText(req.query, 'from'), to: queryText(req.query, 'to') },
      'seller analytics query',
    )
    const to = window.to ?? new Date().toISOString()
    const from = window.from ?? new Date(Date.parse(to) - 30 * DAY).toISOString()
    const input = validated(
      sellerAnalyticsSchema,
      { sellerId: req.params.sellerId, from, to, top: queryNumber(req.query, 'top') },
      'seller analytics query',
    )
    res.json(await commerce.orders.sellerAnalytics(input))
  })

  // Products: the portal validates the body (a `sellerId` in it is a 400: the path decides).
  router.get('/sellers/:sellerId/products', async (req, res) => {
    const query = {
      status: queryText(req.query, 'status'),
      currency: queryText(req.query, 'currency'),
      cursor: queryText(req.query, 'cursor'),
      limit: queryNumber(req.query, 'limit'),
    } as Omit<ListProductsInput, 'sellerId'>
    res.json(await portalOf(req).listProducts(query))
  })
  router.post('/sellers/:sellerId/products', async (req, res) => {
    res.status(201).json(await portalOf(req).createProduct(bodyObject(req) as never))
  })
  router.patch('/sellers/:sellerId/products/:productId', async (req, res) => {
    res.json(
      await portalOf(req).updateProduct({ ...bodyObject(req), productId: req.params.productId } as never),
    )
  })
  router.post('/sellers/:sellerId/products/:productId/archive', async (req, res) => {
    res.json(await portalOf(req).archiveProduct({ productId: req.params.productId }))
  })

  // Stock of the seller's own SKUs.
  router.get('/sellers/:sellerId/stock/:sku', async (req, res) => {
    res.json({ items: await portalOf(req).getStock({ sku: req.params.sku }) })
  })
  router.put('/sellers/:sellerId/stock/:sku', async (req, res) => {
    const input = validated(sellerSetStockSchema, { ...bodyObject(req), sku: req.params.sku }, 'stock')
    res.json(await portalOf(req).setStock(input))
  })
  router.post('/sellers/:sellerId/stock/:sku/adjust', async (req, res) => {
    const input = validated(
      sellerAdjustStockSchema,
      { ...bodyObject(req), sku: req.params.sku },
      'adjustment',
    )
    res.json(await portalOf(req).adjustStock(input))
  })

  // Fulfilment: the seller's part of each order, their parcels and tracking.
  // ?toShip=true: only parts with units left to ship (the seller's work list).
  router.get('/sellers/:sellerId/fulfilments', async (req, res) => {
    const query = validated(
      sellerFulfilmentsQuerySchema,
      {
        toShip: queryBoolean(req.query, 'toShip'),
        cursor: queryText(req.query, 'cursor'),
        limit: queryNumber(req.query, 'limit'),
      },
      'fulfilment query',
    )
    res.json(await portalOf(req).listFulfilments(query))
  })
  router.get('/sellers/:sellerId/fulfilments/:orderId', async (req, res) => {
    res.json(await portalOf(req).getFulfilment({ orderId: req.params.orderId }))
  })
  router.post('/sellers/:sellerId/fulfilments/:orderId/shipments', async (req, res) => {
    const input = validated(
      createShipmentSchema,
      { ...bodyObject(req), orderId: req.params.orderId },
      'shipment',
    )
    res.status(201).json(await portalOf(req).createShipment(input))
  })
  router.post('/sellers/:sellerId/shipments/:shipmentId/tracking', async (req, res) => {
    const input = validated(
      trackingEventSchema,
      { ...bodyObject(req), shipmentId: req.params.shipmentId },
      'tracking event',
    )
    res.json(await portalOf(req).addTrackingEvent(input))
  })
  return router
}
