import {
  addReviewSchema,
  type ListProductsInput,
  listProductsSchema,
  recommendationsOptionsSchema,
  reviewPageOptionsSchema,
  type SearchQueryInput,
  type SearchResult,
  searchQuerySchema,
} from '@souk/core'
import { Router } from 'express'
import { searchOf } from '../../search-of.js'
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

  router.get('/products/:ref', async (req, res) => {
    const currency = queryText(req.query, 'currency')
    res.json(await catalog.getProduct(req.params.ref, currency ? { currency } : {}))
  })

  router.get('/products/:productId/reviews', async (req, res) => {
    const q = req.query
    const page = validated(
      reviewPageOptionsSchema,
      { cursor: queryText(q, 'cursor'), limit: queryNumber(q, 'limit') },
      'page options',
    )
    res.json(await catalog.listReviews(req.params.productId, page))
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
    const options = validated(
      recommendationsOptionsSchema,
      { limit: queryNumber(q, 'limit'), currency },
      'recommendation options',
    )
    res.json(await catalog.recommendations(req.params.productId, options))
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
    const search = searchOf(commerce)
    if (search) {
      res.json({ engine: 'search', ...(await search.query(input)) })
      return
    }
    res.json({ engine: 'catalog', ...(await browseWithoutSearch(commerce.catalog, input)) })
  })

  return router
}

/**
 * Until `commerce.search` is wired: filters and paging through `catalog.listProducts`, shaped like
 * a search result. No text matching, no typo tolerance, no facets.
 */
async function browseWithoutSearch(
  catalog: RouteContext['commerce']['catalog'],
  input: SearchQueryInput,
): Promise<SearchResult> {
  const page = input.page ?? 1
  const limit = input.limit ?? 20
  const f = input.filters ?? {}
  const sort =
    input.sort === 'price_asc' ||
    input.sort === 'price_desc' ||
    input.sort === 'newest' ||
    input.sort === 'rating'
      ? input.sort
      : 'popular'
  let cursor: string | undefined
  for (let p = 1; ; p++) {
    const result = await catalog.listProducts({
      currency: 'USD',
      sort,
      limit,
      ...(cursor ? { cursor } : {}),
      ...(f.categoryId ? { categoryId: f.categoryId } : {}),
      ...(f.sellerId ? { sellerId: f.sellerId } : {}),
      ...(f.tags ? { tags: [...f.tags] } : {}),
      ...(f.inStock !== undefined ? { inStock: f.inStock } : {}),
      ...(f.priceMin !== undefined ? { priceMin: { amount: f.priceMin, currency: 'USD' } } : {}),
      ...(f.priceMax !== undefined ? { priceMax: { amount: f.priceMax, currency: 'USD' } } : {}),
    })
    if (p === page || !result.nextCursor) {
      return {
        hits: (p === page ? result.items : []).map((item) => ({
          id: item.id,
          score: 0,
          highlights: [],
          document: {
            id: item.id,
            slug: item.slug,
            name: item.name,
            description: '',
            tags: item.tags,
            categoryIds: item.categoryId ? [item.categoryId] : [],
            sellerId: item.sellerId,
            price: item.price ?? item.prices[0] ?? { amount: 0, currency: 'USD' },
            inStock: item.inStock,
            popularity: item.unitsSold,
            rating: item.rating.average,
            createdAt: item.createdAt,
          },
        })),
        total: result.total,
        facets: {},
        page,
        limit,
      }
    }
    cursor = result.nextCursor
  }
}
