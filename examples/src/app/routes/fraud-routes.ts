import { getReviewSchema, listHeldSchema, reviewDecisionSchema } from '@souk/core'
import { type Request, Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { bodyObject, queryNumber, queryText, validated } from '../request-input.js'

/**
 * Staff review of orders a fraud check held, under /api/admin/fraud (staff token): the queue,
 * one order's review, approve (stock committed, payment captured) and reject (stock released,
 * payment voided).
 */
export function fraudRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  router.use(security.credentials.requireStaff)

  router.get('/held', async (req, res) => {
    const page = { cursor: queryText(req.query, 'cursor'), limit: queryNumber(req.query, 'limit') }
    res.json(await commerce.fraud.listHeld(validated(listHeldSchema, page, 'held order query')))
  })
  router.get('/orders/:orderId/review', async (req, res) => {
    res.json(
      await commerce.fraud.getReview(validated(getReviewSchema, { orderId: req.params.orderId }, 'order')),
    )
  })
  const decision = (req: Request) =>
    validated(reviewDecisionSchema, { ...bodyObject(req), orderId: req.params.orderId }, 'review decision')
  router.post('/orders/:orderId/approve', async (req, res) => {
    res.json(await commerce.fraud.approve(decision(req)))
  })
  router.post('/orders/:orderId/reject', async (req, res) => {
    res.json(await commerce.fraud.reject(decision(req)))
  })
  return router
}

/**
 * What checkout tells fraud checks about the shopper's client: the IP Express resolved (honouring
 * only the configured trusted proxies) and the User-Agent, each left out when it is not usable, so
 * an odd header never turns a purchase into a 400.
 */
export function shopperClient(req: Request): { ip?: string; userAgent?: string } {
  const client: { ip?: string; userAgent?: string } = {}
  if (req.ip && req.ip.length <= 64) client.ip = req.ip
  const agent = req.header('user-agent')
  // Printable text only (no control characters), at most 500 characters.
  if (
    agent &&
    agent.length <= 500 &&
    !/[^\x20-\x7e\u00a0-\uffff]/.test(agent) &&
    !/[\ud800-\udfff]/.test(agent)
  )
    client.userAgent = agent
  return client
}
