/**
 * The subset of the `typesense` client (3.x) this adapter uses, typed structurally so the host
 * injects its own `new Client({...})` and Souk never constructs one.
 */

/** A product as stored in the Typesense collection. */
export interface TypesenseProduct {
  id: string
  /** The id again, as a sortable field: Typesense cannot sort on `id`. */
  sortKey: string
  slug: string
  name: string
  description: string
  tags: string[]
  categoryIds: string[]
  /** The categories' names, searched by suggest. Absent when the document named none. */
  categoryNames?: string[]
  /** `<id> <name>` per category, a facet: suggest counts products per category with it. */
  categoryRefs?: string[]
  /** Absent when the product has no seller. */
  sellerId?: string
  /** Minor units. */
  price: number
  currency: string
  /** The price facet bucket (`priceBucketValue`), fixed at write time. */
  priceBucket: string
  inStock: boolean
  popularity: number
  /** -1 when the product has no rating, so unrated products sort last. */
  rating: number
  /** Milliseconds since the epoch. */
  createdAt: number
}

// Type aliases, not interfaces: the client's own field type has an index signature, which only
// an alias (an anonymous object type) satisfies.
export type TypesenseField = {
  name: string
  type: 'string' | 'string[]' | 'int64' | 'float' | 'bool'
  facet?: boolean
  index?: boolean
  optional?: boolean
  sort?: boolean
}

export type TypesenseCollectionSchema = {
  name: string
  fields: TypesenseField[]
  default_sorting_field?: string
}

/** Search parameters as the adapter sends them. */
export interface TypesenseSearchParams {
  q: string
  query_by: string
  query_by_weights: string
  prefix: boolean
  num_typos: number
  min_len_1typo: number
  min_len_2typo: number
  typo_tokens_threshold: number
  drop_tokens_threshold: number
  filter_by?: string
  facet_by?: string
  max_facet_values?: number
  facet_strategy?: 'exhaustive' | 'top_values' | 'automatic'
  sort_by: string
  page: number
  per_page: number
  highlight_fields: string
  highlight_full_fields: string
  highlight_start_tag: string
  highlight_end_tag: string
  highlight_affix_num_tokens: number
  /** The synonym set (Typesense 30+) the query applies. */
  synonym_sets?: string
}

/** Parameters of the searches suggest sends. */
export interface TypesenseSuggestParams {
  q: string
  query_by: string
  prefix: boolean
  num_typos: number
  min_len_1typo: number
  min_len_2typo: number
  typo_tokens_threshold: number
  drop_tokens_threshold: number
  sort_by?: string
  per_page: number
  page: number
  include_fields?: string
  facet_by?: string
  max_facet_values?: number
  synonym_sets?: string
}

/** The legacy (v1) highlight of one field. */
export interface TypesenseHighlightV1 {
  field: string | number | symbol
  snippet?: string
  value?: string
  snippets?: string[]
  matched_tokens?: unknown
}

/** The nested (v2) highlight of one field: an object, or one per element of an array field. */
export interface TypesenseHighlightV2 {
  snippet?: string
  value?: string
  matched_tokens?: unknown
}

export interface TypesenseSearchHit {
  document: TypesenseProduct
  text_match?: number
  highlights?: TypesenseHighlightV1[]
  highlight?: Record<string, TypesenseHighlightV2 | TypesenseHighlightV2[] | unknown>
}

export interface TypesenseFacetCounts {
  field_name: string | number | symbol
  counts: { value: string; count: number }[]
}

export interface TypesenseSearchResponse {
  found: number
  page: number
  hits?: TypesenseSearchHit[]
  facet_counts?: TypesenseFacetCounts[]
}

export interface TypesenseDocuments {
  import(documents: TypesenseProduct[], options: { action: 'upsert' }): Promise<unknown>
  delete(query: { filter_by: string }): Promise<unknown>
  search(params: TypesenseSearchParams | TypesenseSuggestParams): Promise<TypesenseSearchResponse>
}

/** One synonym of a Typesense 30 synonym set (`PUT /synonym_sets/{set}/items/{id}`). */
export type TypesenseSynonymItem = {
  id: string
  synonyms: string[]
  root?: string
}

/** A synonym set (`/synonym_sets/{name}`), as the client exposes it. */
export interface TypesenseSynonymSet {
  retrieve(): Promise<unknown>
  upsert(params: { items: TypesenseSynonymItem[] }): Promise<unknown>
  items(): {
    retrieve(): Promise<TypesenseSynonymItem[]>
    upsert(itemId: string, params: Omit<TypesenseSynonymItem, 'id'>): Promise<unknown>
  }
  items(itemId: string): { delete(): Promise<unknown> }
}

export interface TypesenseCollection {
  exists(): Promise<boolean>
  delete(): Promise<unknown>
  documents(): TypesenseDocuments
}

/** What `typesenseSearch` needs of `typesense`'s `Client`. */
export interface TypesenseClientLike {
  collections(): { create(schema: TypesenseCollectionSchema): Promise<unknown> }
  collections(name: string): TypesenseCollection
  /** Synonym sets (Typesense 30+), where Souk keeps the collection's synonyms. */
  synonymSets(name: string): TypesenseSynonymSet
}
