import type { CatalogStore, RecommendationStore, ReviewStore, SearchIndex } from '@souk/core'
import type { Kysely } from 'kysely'
import { createPostgresCatalogStore } from '../catalog/postgres-catalog-store.js'
import { createPostgresRecommendationStore } from '../catalog/postgres-recommendation-store.js'
import { createPostgresReviewStore } from '../catalog/postgres-review-store.js'
import type { SoukDatabase } from '../database.js'
import { postgresSearchIndex } from '../search/postgres-search-index.js'
import type { ReplicaRouter } from './replica-router.js'

/** The stores some of whose reads may go to a replica. */
export interface ReplicaReadStores {
  readonly catalog: CatalogStore
  readonly reviews: ReviewStore
  readonly recommendations: RecommendationStore
  readonly search: SearchIndex
}

// biome-ignore lint/suspicious/noExplicitAny: matches any async method, whatever its arguments.
type AsyncMethod = (...args: any[]) => Promise<unknown>
type AsyncMethods<T> = { [K in keyof T]: T[K] extends AsyncMethod ? K : never }[keyof T]

/** `primary` with the named methods sent through `router`, to `replica`'s twin when it can serve. */
function route<T extends object, K extends AsyncMethods<T>>(
  router: ReplicaRouter,
  primary: T,
  replica: T,
  methods: readonly K[],
): T {
  const routed: T = { ...primary }
  for (const name of methods) {
    const method = (...args: unknown[]) =>
      router.read((side) => ((side === 'replica' ? replica : primary)[name] as AsyncMethod)(...args))
    routed[name] = method as T[K]
  }
  return routed
}

/**
 * The catalog, search and listing reads that may be eventually consistent, sent to the replica:
 * product pages and listings, the category tree, reviews, recommendations, search and suggest.
 * Everything else on these stores (writes, `getCategory` and `getSellersBySlug` taken before a
 * write, `getVariantsBySku`, which prices carts and orders) stays on the primary, and so does every
 * read inside `storage.transaction` (those stores are built over the transaction, not these).
 */
export function replicaReads(
  router: ReplicaRouter,
  primary: ReplicaReadStores,
  readDb: Kysely<SoukDatabase>,
  schema: string,
): ReplicaReadStores {
  return {
    catalog: route(router, primary.catalog, createPostgresCatalogStore(readDb, schema), [
      'getProduct',
      'listProducts',
      'listCategories',
    ]),
    reviews: route(router, primary.reviews, createPostgresReviewStore(readDb, schema), ['listReviews']),
    recommendations: route(
      router,
      primary.recommendations,
      createPostgresRecommendationStore(readDb, schema),
      ['frequentlyBoughtTogether', 'similarProducts'],
    ),
    search: route(router, primary.search, postgresSearchIndex({ storage: { db: readDb, schema } }), [
      'search',
      'suggest',
    ]),
  }
}
