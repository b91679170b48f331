import type { Int8, Timestamp } from '../database.js'

/** One indexed product (migration 004); the index's own SQL is raw, these types serve host queries. */
export interface SearchDocumentsTable {
  id: string
  slug: string
  name: string
  description: string
  tags: string[]
  category_ids: string[]
  seller_id: string | null
  price: Int8
  currency: string
  in_stock: boolean
  popularity: Int8
  rating: number | null
  created_at: Timestamp
  /** The weighted tsvector (name A, tags B, description C), in its text form. */
  tsv: string
  /** `[{ id, name }]` of the document's categories (migration 015); null when written before it. */
  categories: { id: string; name: string }[] | null
}

/** The vocabulary: every indexed word with the number of documents holding it. */
export interface SearchTermsTable {
  term: string
  doc_count: number
}

/** The suggest vocabulary (migration 015): words of names and category names, with document counts. */
export interface SearchSuggestTermsTable {
  term: string
  doc_count: number
}

/** Categories indexed documents name (migration 015), with their latest name and document count. */
export interface SearchCategoriesTable {
  id: string
  name: string
  doc_count: number
}

/** Staff synonym sets (migration 015); `words` are the words of all terms, for the GIN lookup. */
export interface SearchSynonymsTable {
  id: string
  root: string | null
  terms: string[]
  words: string[]
}

export interface SearchTables {
  search_documents: SearchDocumentsTable
  search_terms: SearchTermsTable
  search_suggest_terms: SearchSuggestTermsTable
  search_categories: SearchCategoriesTable
  search_synonyms: SearchSynonymsTable
}
