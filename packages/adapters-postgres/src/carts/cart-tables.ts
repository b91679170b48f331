import type { ColumnType } from 'kysely'
import type { Timestamp } from '../database.js'

type Json<T> = ColumnType<T, string, string>

export interface CartsTable {
  id: string
  customer_id: string | null
  currency: string
  lines: Json<unknown>
  email: string | null
  promo_code: string | null
  shipping_address: Json<unknown> | null
  shipping_method_id: string | null
  order_id: string | null
  abandoned_at: Timestamp | null
  version: number
  created_at: Timestamp
  updated_at: Timestamp
  expires_at: Timestamp
}

export interface CartTables {
  carts: CartsTable
}
