/**
 * @souk/adapters-search: Souk's search index over Typesense, through the `typesense` client the
 * host injects. The default index is Postgres full-text search in `@souk/adapters-postgres`;
 * this one is for catalogs that outgrow it or want Typesense's typo tolerance and clustering.
 */
export type {
  TypesenseClientLike,
  TypesenseCollection,
  TypesenseCollectionSchema,
  TypesenseDocuments,
  TypesenseField,
  TypesenseProduct,
  TypesenseSearchParams,
  TypesenseSearchResponse,
} from './typesense-client.js'
export {
  FACET_FIELDS,
  HIGHLIGHT_END,
  HIGHLIGHT_START,
  SORT_BY,
  TYPO_SETTINGS,
  toFilterBy,
  toSearchParams,
} from './typesense-query.js'
export { markSnippet, toFacets, toHighlights, toSearchResult } from './typesense-results.js'
export {
  collectionSchema,
  fromTypesenseProduct,
  QUERY_FIELDS,
  QUERY_WEIGHTS,
  toTypesenseProduct,
} from './typesense-schema.js'
export { mapTypesenseError, type TypesenseSearchConfig, typesenseSearch } from './typesense-search.js'
