import { cancelPriceScheduleSchema, listPriceSchedulesSchema, schedulePriceSchema } from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { bodyObject, queryBoolean, queryNumber, queryText, validated } from '../request-input.js'

/**
 * Staff price schedules under /api/admin/prices: put a variant on sale for a window, list and
 * cancel. The storefront's product pages, listings, carts and checkout pick the price up at its
 * start and drop it at its end by themselves.
 */
export function priceRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  router.use(security.credentials.requireStaff)

  router.post('/schedules', async (req, res) => {
    res
      .status(201)
      .json(
        await commerce.prices.schedulePrice(
          validated(schedulePriceSchema, bodyObject(req), 'price schedule'),
        ),
      )
  })
  router.get('/schedules', async (req, res) => {
    const query = {
      sku: queryText(req.query, 'sku'),
      productId: queryText(req.query, 'productId'),
      current: queryBoolean(req.query, 'current'),
      cursor: queryText(req.query, 'cursor'),
      limit: queryNumber(req.query, 'limit'),
    }
    res.json(
      await commerce.prices.listPriceSchedules(
        validated(listPriceSchedulesSchema, query, 'price schedule query'),
      ),
    )
  })
  router.delete('/schedules/:scheduleId', async (req, res) => {
    const ref = validated(cancelPriceScheduleSchema, { scheduleId: req.params.scheduleId }, 'price schedule')
    res.json(await commerce.prices.cancelPriceSchedule(ref))
  })
  return router
}
