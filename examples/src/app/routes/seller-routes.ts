import { listSellerOrdersSchema, sellerAnalyticsSchema } from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { queryNumber, queryText, validated } from '../request-input.js'
import { requireAdmin } from './admin-auth.js'

const DAY = 86_400_000

/** The seller dashboard: a seller's orders (only their lines) and analytics. Staff token required. */
export function sellerRoutes({ commerce, options }: RouteContext): Router {
  const router = Router()
  router.use('/sellers', requireAdmin(options.adminToken))

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
    const to = queryText(req.query, 'to') ?? new Date().toISOString()
    const from = queryText(req.query, 'from') ?? new Date(Date.parse(to) - 30 * DAY).toISOString()
    const input = validated(
      sellerAnalyticsSchema,
      { sellerId: req.params.sellerId, from, to, top: queryNumber(req.query, 'top') },
      'seller analytics query',
    )
    res.json(await commerce.orders.sellerAnalytics(input))
  })
  return router
}
