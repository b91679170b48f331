import { Router } from 'express'
import type { OutgoingWebhooks } from '../../webhooks/outgoing-webhooks.js'
import type { RouteContext } from '../create-app.js'
import { bodyObject, queryNumber, queryText } from '../request-input.js'

/**
 * Staff's registry of outgoing webhooks under /api/admin/webhooks: endpoints, their dead letters,
 * replays and secret rotation. Behind the staff token, like every admin route.
 */
export function webhookAdminRoutes({ security }: RouteContext, webhooks: OutgoingWebhooks): Router {
  const router = Router()
  router.use(security.credentials.requireStaff)

  router.post('/', async (req, res) => {
    res.status(201).json(await webhooks.create(bodyObject(req)))
  })
  router.get('/', async (_req, res) => {
    res.json({ items: await webhooks.list() })
  })
  router.get('/:id', async (req, res) => {
    res.json(await webhooks.get(req.params.id))
  })
  router.delete('/:id', async (req, res) => {
    await webhooks.delete(req.params.id)
    res.status(204).end()
  })
  router.get('/:id/dead-letters', async (req, res) => {
    const query = { cursor: queryText(req.query, 'cursor'), limit: queryNumber(req.query, 'limit') }
    res.json(await webhooks.deadLetters(req.params.id, withoutUndefined(query)))
  })
  router.post('/:id/replay', async (req, res) => {
    res.status(202).json(await webhooks.replay(req.params.id, bodyObject(req)))
  })
  router.post('/:id/rotate-secret', async (req, res) => {
    res.json(await webhooks.rotateSecret(req.params.id, bodyObject(req)))
  })
  return router
}

/** Query parameters that were not given are left out, so the strict schema sees only what was sent. */
function withoutUndefined(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined))
}
