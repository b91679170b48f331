import { priceBucketIndex, priceBucketValue, type SearchDocument } from '@souk/core'
import type { TypesenseCollectionSchema, TypesenseProduct } from './typesense-client.js'

/** Searched text fields, strongest first; their weights rank name above tags above description. */
export const QUERY_FIELDS = ['name', 'tags', 'description'] as const
export const QUERY_WEIGHTS = [4, 2, 1] as const

/**
 * The collection's schema. Text fields are searched; `categoryIds`, `tags`, `inStock` and
 * `priceBucket` are facets; numbers and `sortKey` sort; `slug` and `currency` are only stored.
 * `popularity` is the default sorting field, the tie-breaker after relevance.
 */
export function collectionSchema(name: string): TypesenseCollectionSchema {
  return {
    name,
    fields: [
      { name: 'name', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'tags', type: 'string[]', facet: true },
      { name: 'categoryIds', type: 'string[]', facet: true },
      { name: 'categoryNames', type: 'string[]', optional: true },
      { name: 'categoryRefs', type: 'string[]', facet: true, optional: true },
      { name: 'sellerId', type: 'string', optional: true },
      { name: 'price', type: 'int64' },
      { name: 'priceBucket', type: 'string', facet: true },
      { name: 'inStock', type: 'bool', facet: true },
      { name: 'popularity', type: 'int64' },
      { name: 'rating', type: 'float' },
      { name: 'createdAt', type: 'int64' },
      { name: 'sortKey', type: 'string', sort: true },
      // Stored for rebuilding the document, never searched: unindexed fields must be optional.
      { name: 'slug', type: 'string', index: false, optional: true },
      { name: 'currency', type: 'string', index: false, optional: true },
    ],
    default_sorting_field: 'popularity',
  }
}

/** A Souk document as a Typesense document, its price bucket computed with `edges`. */
export function toTypesenseProduct(document: SearchDocument, edges: readonly number[]): TypesenseProduct {
  return {
    id: document.id,
    sortKey: document.id,
    slug: document.slug,
    name: document.name,
    description: document.description,
    tags: [...document.tags],
    categoryIds: [...document.categoryIds],
    ...(document.categories === undefined
      ? {}
      : {
          categoryNames: document.categories.map((c) => c.name),
          categoryRefs: document.categories.map((c) => `${c.id} ${c.name}`),
        }),
    ...(document.sellerId === null ? {} : { sellerId: document.sellerId }),
    price: document.price.amount,
    currency: document.price.currency,
    priceBucket: priceBucketValue(edges, priceBucketIndex(edges, document.price.amount)),
    inStock: document.inStock,
    popularity: document.popularity,
    rating: document.rating ?? -1,
    createdAt: document.createdAt.getTime(),
  }
}

/** Typesense keeps `float` fields in single precision; six decimals undo the widening. */
const roundRating = (rating: number) => Math.round(rating * 1e6) / 1e6

/** A stored Typesense document back as a Souk document. */
export function fromTypesenseProduct(product: TypesenseProduct): SearchDocument {
  return {
    id: product.id,
    slug: product.slug ?? '',
    name: product.name,
    description: product.description ?? '',
    tags: product.tags ?? [],
    categoryIds: product.categoryIds ?? [],
    ...(product.categoryRefs === undefined ? {} : { categories: product.categoryRefs.map(parseCategoryRef) }),
    sellerId: product.sellerId ?? null,
    price: { amount: product.price, currency: product.currency },
    inStock: product.inStock,
    popularity: product.popularity,
    rating: product.rating < 0 ? null : roundRating(product.rating),
    createdAt: new Date(product.createdAt),
  }
}

/** A `categoryRefs` value back as id and name (ids hold no spaces; names may). */
export function parseCategoryRef(ref: string): { id: string; name: string } {
  const space = ref.indexOf(' ')
  return space < 0 ? { id: ref, name: '' } : { id: ref.slice(0, space), name: ref.slice(space + 1) }
}
