import type { ColumnType } from 'kysely'
import type { Int8, Timestamp } from '../database.js'

/** jsonb columns: written as JSON text, read back parsed. */
type Json<T> = ColumnType<T, string, string>

export interface SellersTable {
  id: string
  slug: string
  name: string
  created_at: Timestamp
}

export interface CategoriesTable {
  id: string
  slug: string
  name: string
  parent_id: string | null
  path: string[]
  position: number
  created_at: Timestamp
}

export interface ProductVariantsTable {
  id: string
  product_id: string
  sku: string
  options: Json<Record<string, string>>
  weight_grams: number
  position: number
}

export interface VariantPricesTable {
  variant_id: string
  currency: string
  amount: Int8
}

export interface ProductImagesTable {
  id: string
  product_id: string
  url: string
  alt: string
  position: number
  is_primary: boolean
}

/** The catalog tables the Kysely builder touches; listings and product reads are raw SQL. */
export interface CatalogTables {
  sellers: SellersTable
  categories: CategoriesTable
  product_variants: ProductVariantsTable
  variant_prices: VariantPricesTable
  product_images: ProductImagesTable
}
