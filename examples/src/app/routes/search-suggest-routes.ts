import { listSynonymsSchema, suggestQuerySchema, synonymSetSchema } from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { bodyObject, queryNumber, queryText, validated } from '../request-input.js'

/** GET /api/search/suggest?q=&limit=: completions for the search box as the shopper types. */
export function searchSuggestRoutes({ commerce }: RouteContext): Router {
  const router = Router()
  router.get('/search/suggest', async (req, res) => {
    const input = validated(
      suggestQuerySchema,
      // No q is nothing typed yet: no suggestions, not an error.
      { q: queryText(req.query, 'q') ?? '', limit: queryNumber(req.query, 'limit') },
      'suggest query',
    )
    res.json(await commerce.search.suggest(input))
  })
  return router
}

/** Staff synonym sets under /api/admin/search/synonyms: list, put (create or replace) by id, delete. */
export function synonymAdminRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  router.use(security.credentials.requireStaff)
  router.get('/', async (req, res) => {
    const input = validated(
      listSynonymsSchema,
      { cursor: queryText(req.query, 'cursor'), limit: queryNumber(req.query, 'limit') },
      'synonym list',
    )
    res.json(await commerce.search.listSynonyms(input))
  })
  router.put('/:id', async (req, res) => {
    const input = validated(synonymSetSchema, { ...bodyObject(req), id: req.params.id }, 'synonym set')
    res.json(await commerce.search.setSynonyms({ ...input, terms: [...input.terms] }))
  })
  router.delete('/:id', async (req, res) => {
    await commerce.search.deleteSynonyms({ id: req.params.id })
    res.status(204).end()
  })
  return router
}
