import {
  allowedPrefixTypos,
  type CategorySuggestion,
  MAX_SUGGEST_WORDS,
  type ProductSuggestion,
  prefixEditDistance,
  type SuggestQuery,
  type SuggestResult,
  textWords,
} from '@souk/core'
import type { TypesenseSearchResponse, TypesenseSuggestParams } from './typesense-client.js'
import { TYPO_SETTINGS } from './typesense-query.js'
import { parseCategoryRef } from './typesense-schema.js'

/** Category facet values read per suggest; the typed words then pick among them. */
const CATEGORY_CANDIDATES = 100

/** The typed words, as the Postgres index splits them. */
const typedWords = (q: string) => [...new Set(textWords(q))].slice(0, MAX_SUGGEST_WORDS)

/**
 * The two searches behind a suggest: product names (prefix, typos as in search, by text match then
 * popularity), and the category facet over the products whose category names match, from which
 * `toSuggestResult` keeps the categories whose own names match.
 */
export function toSuggestParams(
  query: SuggestQuery,
  synonymSet: string | undefined,
): { products: TypesenseSuggestParams; categories: TypesenseSuggestParams } {
  const q = typedWords(query.q).join(' ')
  const common = {
    q,
    prefix: true,
    ...TYPO_SETTINGS,
    typo_tokens_threshold: 1,
    drop_tokens_threshold: 0,
    page: 1,
    ...(synonymSet === undefined ? {} : { synonym_sets: synonymSet }),
  }
  return {
    products: {
      ...common,
      query_by: 'name',
      sort_by: '_text_match:desc,popularity:desc,sortKey:asc',
      per_page: query.limit,
      include_fields: 'id,slug,name',
    },
    categories: {
      ...common,
      query_by: 'categoryNames',
      per_page: 0,
      facet_by: 'categoryRefs',
      max_facet_values: CATEGORY_CANDIDATES,
    },
  }
}

/**
 * How a name matches the typed words: null when some typed word starts none of its words within
 * the typos its length allows (first letter exact), else whether every one matched without typo.
 */
export function nameMatch(typed: readonly string[], name: string): { exact: boolean } | null {
  const words = textWords(name)
  let exact = true
  for (const t of typed) {
    const max = allowedPrefixTypos([...t].length)
    const best = Math.min(max + 1, ...words.map((w) => prefixEditDistance(t, w, max)))
    if (best > max) return null
    if (best > 0) exact = false
  }
  return { exact }
}

/** The two responses as Souk's suggest result: exact matches first, engine order otherwise. */
export function toSuggestResult(
  query: SuggestQuery,
  products: TypesenseSearchResponse,
  categories: TypesenseSearchResponse,
): SuggestResult {
  const typed = typedWords(query.q)
  const productList: ProductSuggestion[] = (products.hits ?? []).map((hit) => ({
    id: hit.document.id,
    slug: hit.document.slug,
    name: hit.document.name,
    // A synonym match starts no name word as typed, so it is never exact.
    exact: nameMatch(typed, hit.document.name)?.exact === true,
  }))
  const counts = categories.facet_counts?.find((f) => f.field_name === 'categoryRefs')?.counts ?? []
  const categoryList: CategorySuggestion[] = []
  for (const { value, count } of counts) {
    const { id, name } = parseCategoryRef(value)
    const match = nameMatch(typed, name)
    if (match !== null) categoryList.push({ id, name, count, exact: match.exact })
  }
  const byName = (a: CategorySuggestion, b: CategorySuggestion) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1
  categoryList.sort((a, b) => Number(b.exact) - Number(a.exact) || b.count - a.count || byName(a, b))
  return {
    products: [...productList.filter((p) => p.exact), ...productList.filter((p) => !p.exact)],
    categories: categoryList.slice(0, query.limit),
  }
}
