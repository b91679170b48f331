import {
  addReviewSchema,
  type ListProductsInput,
  listProductsSchema,
  listReviewsSchema,
  recommendationsSchema,
  type SearchQueryInput,
  searchQuerySchema,
  slugSchema,
} from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { requireCustomer } from '../identity.js'
import { bodyObject, queryBoolean, queryList, queryNumber, queryText, validated } from '../request-input.js'
import { requireBuyer } from '../security/verified-buyer.js'

const money = (amount: number | string | undefined, currency: string | undefined) =>
  amount === undefined ? undefined : { amount, currency }

/** Categories, products, reviews, recommendations and search. */
export function catalogRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  const { catalog } = commerce

  router.get('/categories', async (_req, res) => {
    res.json({ items: await catalog.listCategories() })
  })

  router.get('/products', async (req, res) => {
    const q = req.query
    const currency = queryText(q, 'currency')
    const input = validated(
      listProductsSchema,
      {
        categoryId: queryText(q, 'categoryId'),
        sellerId: queryText(q, 'sellerId'),
        tags: queryList(q, 'tags'),
        currency,
        priceMin: money(queryNumber(q, 'priceMin'), currency),
        priceMax: money(queryNumber(q, 'priceMax'), currency),
        inStock: queryBoolean(q, 'inStock'),
        sort: queryText(q, 'sort'),
        cursor: queryText(q, 'cursor'),
        limit: queryNumber(q, 'limit'),
      } as ListProductsInput,
      'product query',
    )
    res.json(await catalog.listProducts(input))
  })

  // Storefront links name a product by slug, admin links by id; Souk's ids (prod_...) are never slugs.
  router.get('/products/:ref', async (req, res) => {
    const { ref } = req.params
    const lookup = slugSchema.safeParse(ref).success ? { slug: ref } : { productId: ref }
    res.json(await catalog.getProduct({ ...lookup, currency: queryText(req.query, 'currency') }))
  })

  router.get('/products/:productId/reviews', async (req, res) => {
    const q = req.query
    const input = validated(
      listReviewsSchema,
      { productId: req.params.productId, cursor: queryText(q, 'cursor'), limit: queryNumber(q, 'limit') },
      'review page',
    )
    res.json(await catalog.listReviews(input))
  })

  // Buyers only: a review from someone who did not buy the product would count in its rating.
  router.post('/products/:productId/reviews', security.limits.reviews, async (req, res) => {
    const customerId = requireCustomer(res)
    const input = validated(
      addReviewSchema,
      { ...bodyObject(req), productId: req.params.productId, customerId },
      'review',
    )
    await requireBuyer(commerce, customerId, input.productId)
    const review = await catalog.addReview(input)
    res.status(201).json(review)
  })

  router.get('/products/:productId/recommendations', async (req, res) => {
    const q = req.query
    const currency = queryText(q, 'currency')
    const input = validated(
      recommendationsSchema,
      { productId: req.params.productId, limit: queryNumber(q, 'limit'), currency },
      'recommendation query',
    )
    res.json(await catalog.recommendations(input))
  })

  router.get('/search', async (req, res) => {
    const q = req.query
    const priceMin = queryNumber(q, 'priceMin')
    const priceMax = queryNumber(q, 'priceMax')
    const inStock = queryBoolean(q, 'inStock')
    const filters = {
      categoryId: queryText(q, 'categoryId'),
      sellerId: queryText(q, 'sellerId'),
      tags: queryList(q, 'tags'),
      priceMin,
      priceMax,
      inStock,
    }
    const hasFilter = Object.values(filters).some((v) => v !== undefined)
    const input = validated(
      searchQuerySchema,
      {
        q: queryText(q, 'q'),
        ...(hasFilter ? { filters } : {}),
        facets: queryList(q, 'facets'),
        sort: queryText(q, 'sort'),
        page: queryNumber(q, 'page'),
        limit: queryNumber(q, 'limit'),
      } as SearchQueryInput,
      'search query',
    )
    res.json(await commerce.search.query(input))
  })

  return router
}
