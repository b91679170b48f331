import type { ColumnType, Generated } from 'kysely'
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

export interface ProductsTable {
  id: string
  slug: string
  name: string
  description: Generated<string>
  status: 'draft' | 'active' | 'archived'
  category_id: string | null
  /** The category's path, copied so listings filter by any ancestor. */
  category_path: Generated<string[]>
  seller_id: string | null
  tags: Generated<string[]>
  attributes: ColumnType<Record<string, unknown>, string | undefined, string>
  units_sold: Generated<Int8>
  rating_count: Generated<number>
  rating_sum: Generated<number>
  /** Generated from rating_sum / rating_count; numeric, so read back as a string. */
  rating_avg: ColumnType<string, never, never>
  primary_currency: string | null
  /** Kept by storage from its variants' stock (migration 011). */
  in_stock: Generated<boolean>
  /** The inserting transaction (xid8, read back as a string); null for rows older than 011. */
  created_tx: Generated<string | null>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ProductVariantsTable {
  id: string
  product_id: string
  sku: string
  options: Json<Record<string, string>>
  weight_grams: number
  position: number
  /** The was-price (migration 013): both set or both null. */
  compare_at_amount: ColumnType<string | bigint | number | null, number | null | undefined, number | null>
  compare_at_currency: ColumnType<string | null, string | null | undefined, string | null>
}

export interface VariantPricesTable {
  variant_id: string
  currency: string
  amount: Int8
}

/** A product's lowest variant price per currency, rewritten with every product write. */
export interface ProductPricesTable {
  product_id: string
  currency: string
  min_amount: Int8
  status: string
}

export interface ProductImagesTable {
  id: string
  product_id: string
  url: string
  alt: string
  position: number
  is_primary: boolean
}

export interface ReviewsTable {
  id: string
  product_id: string
  customer_id: string
  rating: number
  title: Generated<string>
  body: Generated<string>
  verified_purchase: Generated<boolean>
  created_at: Timestamp
}

/** The catalog's tables (migrations 002, 003 and 011). */
export interface CatalogTables {
  sellers: SellersTable
  categories: CategoriesTable
  products: ProductsTable
  product_variants: ProductVariantsTable
  variant_prices: VariantPricesTable
  product_prices: ProductPricesTable
  product_images: ProductImagesTable
  reviews: ReviewsTable
}
