import type { Int8, Timestamp } from '../database.js'

/** A scheduled price (migration 013). */
export interface PriceSchedulesTable {
  id: string
  variant_id: string
  product_id: string
  currency: string
  amount: Int8
  starts_at: Timestamp
  ends_at: Timestamp | null
  created_at: Timestamp
}

/** The price tables of migration 013 (compare-at columns are on `product_variants`). */
export interface PriceTables {
  price_schedules: PriceSchedulesTable
}
