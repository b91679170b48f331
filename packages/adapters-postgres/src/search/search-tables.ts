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
}

/** The vocabulary: every indexed word with the number of documents holding it. */
export interface SearchTermsTable {
  term: string
  doc_count: number
}

export interface SearchTables {
  search_documents: SearchDocumentsTable
  search_terms: SearchTermsTable
}
