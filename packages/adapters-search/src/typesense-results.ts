import {
  type FacetCount,
  priceBucketValue,
  type SearchFacet,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
} from '@souk/core'
import type { TypesenseHighlightV2, TypesenseSearchHit, TypesenseSearchResponse } from './typesense-client.js'
import { FACET_FIELDS, HIGHLIGHT_END, HIGHLIGHT_START } from './typesense-query.js'
import { fromTypesenseProduct } from './typesense-schema.js'

// The same three the Postgres index escapes: snippets are HTML text content, never attribute values.
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/**
 * Escapes a Typesense snippet as HTML, then turns its private marks into `<mark>` tags, so text
 * such as `<script>` in a product name can never become markup.
 */
export function markSnippet(snippet: string): string {
  return snippet
    .replace(/[&<>]/g, (c) => HTML_ESCAPES[c] as string)
    .replaceAll(HIGHLIGHT_START, '<mark>')
    .replaceAll(HIGHLIGHT_END, '</mark>')
}

type Field = 'name' | 'tags' | 'description'

const isMarked = (s: string | undefined): s is string => s?.includes(HIGHLIGHT_START) === true

/** The highlighted text of one field, from the v1 array or the v2 object, whichever came back. */
function fieldSnippet(hit: TypesenseSearchHit, field: Field): string | null {
  const v1 = hit.highlights?.find((h) => h.field === field)
  if (v1) {
    if (field === 'tags') {
      const marked = (v1.snippets ?? []).filter(isMarked)
      if (marked.length > 0) return marked.join(', ')
    }
    const text = field === 'name' && isMarked(v1.value) ? v1.value : v1.snippet
    if (isMarked(text)) return text
  }
  const v2 = hit.highlight?.[field]
  if (Array.isArray(v2)) {
    const marked = (v2 as TypesenseHighlightV2[]).map((h) => h.snippet ?? h.value).filter(isMarked)
    return marked.length > 0 ? marked.join(', ') : null
  }
  if (v2 && typeof v2 === 'object') {
    const h = v2 as TypesenseHighlightV2
    const text = field === 'name' && isMarked(h.value) ? h.value : h.snippet
    return isMarked(text) ? text : null
  }
  return null
}

/** A hit's highlights in Souk's shape: escaped HTML with `<mark>`, only fields that matched. */
export function toHighlights(hit: TypesenseSearchHit): SearchHit['highlights'] {
  const highlights: { field: Field; snippet: string }[] = []
  for (const field of ['name', 'tags', 'description'] as const) {
    const snippet = fieldSnippet(hit, field)
    if (snippet !== null) highlights.push({ field, snippet: markSnippet(snippet) })
  }
  return highlights
}

const FACET_OF: ReadonlyMap<string, SearchFacet> = new Map(
  (Object.entries(FACET_FIELDS) as [SearchFacet, string][]).map(([facet, field]) => [field, facet]),
)

const byCountThenValue = (a: FacetCount, b: FacetCount) =>
  b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)

/** Facet counts in Souk's shape: price buckets in price order, the rest by count then value. */
export function toFacets(
  response: TypesenseSearchResponse,
  requested: readonly SearchFacet[],
  edges: readonly number[],
): SearchResult['facets'] {
  const facets: Partial<Record<SearchFacet, readonly FacetCount[]>> = {}
  for (const facet of requested) facets[facet] = []
  for (const group of response.facet_counts ?? []) {
    const facet = FACET_OF.get(String(group.field_name))
    if (facet === undefined || !requested.includes(facet)) continue
    const counts = group.counts
      .filter((c) => c.count > 0)
      .map((c) => ({ value: String(c.value), count: c.count }))
    if (facet === 'price') {
      const order = new Map(edges.map((_, i) => [priceBucketValue(edges, i), i]))
      facets.price = counts
        .filter((c) => order.has(c.value))
        .sort((a, b) => (order.get(a.value) as number) - (order.get(b.value) as number))
    } else {
      facets[facet] = counts.sort(byCountThenValue)
    }
  }
  return facets
}

/** A Typesense search response as a Souk search result. */
export function toSearchResult(
  response: TypesenseSearchResponse,
  query: SearchQuery,
  edges: readonly number[],
): SearchResult {
  const text = (query.q ?? '').trim() !== ''
  return {
    hits: (response.hits ?? []).map((hit) => ({
      id: hit.document.id,
      score: text ? Number(hit.text_match ?? 0) : 0,
      document: fromTypesenseProduct(hit.document),
      highlights: text ? toHighlights(hit) : [],
    })),
    total: response.found,
    facets: toFacets(response, [...new Set(query.facets ?? [])], edges),
    page: query.page ?? 1,
    limit: query.limit ?? 20,
  }
}
