import {
  DEFAULT_PRICE_BUCKET_EDGES,
  isValidPriceBucketEdges,
  type KeysetCursor,
  parseConfig,
  type SearchDocument,
  SearchError,
  type SearchIndex,
  type SynonymSet,
  ValidationError,
} from '@souk/core'
import { z } from 'zod'
import type { TypesenseClientLike, TypesenseCollection } from './typesense-client.js'
import { filterValue, toSearchParams } from './typesense-query.js'
import { toSearchResult } from './typesense-results.js'
import { collectionSchema, toTypesenseProduct } from './typesense-schema.js'
import { toSuggestParams, toSuggestResult } from './typesense-suggest.js'

export interface TypesenseSearchConfig {
  /** A `typesense` `Client` you own (`new Client({ nodes, apiKey })`); never closed by Souk. */
  readonly client: TypesenseClientLike
  /** Collection holding the products; created on first use. Default `'souk_products'`. */
  readonly collection?: string
  /** Lower edges of the price facet buckets, minor units, from 0 up. Default `DEFAULT_PRICE_BUCKET_EDGES`. */
  readonly priceBucketEdges?: readonly number[]
  /** Most values the category and tags facets return. Default 50. */
  readonly maxFacetValues?: number
  /**
   * The Typesense 30 synonym set holding Souk's synonyms, created on first use and applied to
   * every search and suggest. Default `'<collection>_synonyms'`.
   */
  readonly synonymSet?: string
}

/** Documents per import call, and ids per delete call (the filter travels in the URL). */
const IMPORT_BATCH = 1000
const DELETE_BATCH = 100

const configSchema = z.strictObject({
  client: z.custom<TypesenseClientLike>(
    (v) => typeof (v as TypesenseClientLike)?.collections === 'function',
    {
      message: 'client must be a typesense Client',
    },
  ),
  collection: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1–100 letters, digits, _ or -')
    .default('souk_products'),
  priceBucketEdges: z
    .array(z.number())
    .max(50)
    .refine(isValidPriceBucketEdges, 'must start at 0 and strictly increase through whole numbers')
    .readonly()
    .default(DEFAULT_PRICE_BUCKET_EDGES),
  maxFacetValues: z.number().int().min(1).max(1000).default(50),
  synonymSet: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1–100 letters, digits, _ or -')
    .optional(),
})

interface TypesenseFailure {
  httpStatus?: number
  message?: string
  importResults?: { success: boolean; error?: string; document?: unknown }[]
}

/** Maps a client error: unreachable or 5xx → `search.unavailable`, any other answer → `search.failed`. */
export function mapTypesenseError(error: unknown, operation: string): SearchError {
  if (error instanceof SearchError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as TypesenseFailure
  const status = e.httpStatus
  const failed = (e.importResults ?? [])
    .filter((r) => !r.success)
    .slice(0, 20)
    .map((r) => r.error ?? 'rejected')
  const details = {
    operation,
    httpStatus: status ?? null,
    ...(failed.length > 0 ? { failures: failed } : {}),
  }
  const message = `Typesense ${operation} failed: ${e.message ?? String(error)}`
  const unavailable = status === undefined || status >= 500
  return new SearchError(unavailable ? 'search.unavailable' : 'search.failed', message, details, {
    cause: error,
  })
}

const isStatus = (error: unknown, status: number) =>
  typeof error === 'object' && error !== null && (error as TypesenseFailure).httpStatus === status

/**
 * Souk's `SearchIndex` over Typesense, through the real `typesense` client you inject:
 * ```ts
 * import { Client } from 'typesense'
 * const search = typesenseSearch({ client: new Client({ nodes: [{ url }], apiKey }) })
 * ```
 * The collection is created on first use (see `collectionSchema`). Typesense may be a cluster;
 * Souk only talks to it through the client. Throws `ConfigError` for an invalid configuration;
 * calls throw `SearchError` (`search.unavailable` / `search.failed`).
 */
export function typesenseSearch(config: TypesenseSearchConfig): SearchIndex {
  const {
    client,
    collection: name,
    priceBucketEdges: edges,
    maxFacetValues,
    synonymSet: configuredSet,
  } = parseConfig(configSchema, config, 'typesenseSearch config')
  const setName = configuredSet ?? `${name}_synonyms`

  let ready: Promise<TypesenseCollection> | undefined
  /** The collection, created once per process if it does not exist yet. */
  function collection(): Promise<TypesenseCollection> {
    ready ??= (async () => {
      const existing = client.collections(name)
      if (!(await existing.exists())) {
        try {
          await client.collections().create(collectionSchema(name))
        } catch (error) {
          // Another process created it between our check and our create.
          if (!isStatus(error, 409)) throw error
        }
      }
      // Searches name the synonym set, so it must exist; an empty one is created, never replaced.
      const set = client.synonymSets(setName)
      try {
        await set.retrieve()
      } catch (error) {
        if (!isStatus(error, 404)) throw error
        await set.upsert({ items: [] })
      }
      return existing
    })().catch((error: unknown) => {
      ready = undefined
      throw mapTypesenseError(error, 'collection setup')
    })
    return ready
  }

  async function run<T>(operation: string, work: (c: TypesenseCollection) => Promise<T>): Promise<T> {
    const c = await collection()
    try {
      return await work(c)
    } catch (error) {
      throw mapTypesenseError(error, operation)
    }
  }

  return {
    upsert: (documents: readonly SearchDocument[]) =>
      run('import', async (c) => {
        const unique = [...new Map(documents.map((d) => [d.id, d])).values()]
        for (let i = 0; i < unique.length; i += IMPORT_BATCH) {
          const batch = unique.slice(i, i + IMPORT_BATCH).map((d) => toTypesenseProduct(d, edges))
          // The client throws an ImportError when any document is rejected (throwOnFail).
          await c.documents().import(batch, { action: 'upsert' })
        }
      }),

    delete: (ids) =>
      run('delete', async (c) => {
        for (let i = 0; i < ids.length; i += DELETE_BATCH) {
          const batch = ids.slice(i, i + DELETE_BATCH).map((id, j) => filterValue(id, `ids.${i + j}`))
          await c.documents().delete({ filter_by: `id:[${batch.join(',')}]` })
        }
      }),

    search: (query) =>
      run('search', async (c) => {
        const params = { ...toSearchParams(query, { maxFacetValues }), synonym_sets: setName }
        return toSearchResult(await c.documents().search(params), query, edges)
      }),

    // Dropping the collection is the one call that removes everything at once on every version.
    clear: () =>
      run('clear', async (c) => {
        try {
          await c.delete()
        } catch (error) {
          if (!isStatus(error, 404)) throw error
        }
        ready = undefined
        await collection()
      }),

    suggest: (query) =>
      run('suggest', async (c) => {
        const params = toSuggestParams(query, setName)
        const [products, categories] = await Promise.all([
          c.documents().search(params.products),
          c.documents().search(params.categories),
        ])
        return toSuggestResult(query, products, categories)
      }),

    upsertSynonyms: (set: SynonymSet) =>
      run('synonyms upsert', async () => {
        await client
          .synonymSets(setName)
          .items()
          .upsert(set.id, { synonyms: [...set.terms], ...(set.root === null ? {} : { root: set.root }) })
      }),

    deleteSynonyms: (id) =>
      run('synonyms delete', async () => {
        try {
          await client.synonymSets(setName).items(id).delete()
          return true
        } catch (error) {
          if (isStatus(error, 404)) return false
          throw error
        }
      }),

    // The set's items come back whole; a shop keeps tens or hundreds, so paging happens here.
    listSynonyms: async ({ after, limit }: { readonly after?: KeysetCursor; readonly limit: number }) => {
      if (after !== undefined && after.sort !== 'id') {
        throw new ValidationError('Invalid cursor: not a cursor this API returned', [
          { path: 'cursor', message: 'not a cursor this API returned' },
        ])
      }
      return run('synonyms list', async () => {
        const items = (await client.synonymSets(setName).items().retrieve())
          .map((item): SynonymSet => ({ id: item.id, terms: item.synonyms, root: item.root ?? null }))
          .filter((item) => after === undefined || item.id > after.id)
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        const shown = items.slice(0, limit)
        const last = shown.at(-1)
        return {
          items: shown,
          next: items.length > limit && last ? { sort: 'id', key: last.id, id: last.id } : null,
        }
      })
    },
  }
}
