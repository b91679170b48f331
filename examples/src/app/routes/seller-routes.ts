import { listSellerOrdersSchema, sellerAnalyticsSchema } from '@souk/core'
import { Router } from 'express'
import { z } from 'zod'
import type { RouteContext } from '../create-app.js'
import { queryNumber, queryText, validated } from '../request-input.js'

const DAY = 86_400_000

/** `from`/`to` as ISO-8601 dates or date-times, checked before the default window is computed from them. */
const isoDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'expected an ISO-8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z',
})
const analyticsWindowSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() })

/**
 * The seller dashboard: a seller's orders (only their lines) and analytics. That seller's token
 * (SELLER_TOKENS) or the staff token; another seller's token is a 403.
 */
export function sellerRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  router.use('/sellers/:sellerId', security.credentials.requireSeller)

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
  return router
}
