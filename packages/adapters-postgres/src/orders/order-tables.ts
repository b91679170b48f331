import type { ColumnType, Generated } from 'kysely'
import type { Int8, Timestamp } from '../database.js'

type Json<T> = ColumnType<T, string, string>

export interface OrdersTable {
  id: string
  display_number: Generated<Int8>
  customer_id: string | null
  email: string
  status: string
  currency: string
  subtotal: Int8
  discount_total: Int8
  shipping_total: Int8
  tax_total: Int8
  total: Int8
  shipping_address: Json<unknown> | null
  billing_address: Json<unknown> | null
  shipping_method_id: string | null
  promo_code: string | null
  cart_id: string | null
  reservation_id: string | null
  payment_provider: string | null
  created_at: Timestamp
  updated_at: Timestamp
  /** Migration 014: `{ earliest, latest }` as quoted at checkout, or null. */
  estimated_delivery: Json<unknown> | null
}

export interface OrderLinesTable {
  id: string
  order_id: string
  sku: string
  product_id: string | null
  variant_id: string | null
  seller_id: string | null
  name: string
  quantity: number
  unit_price: Int8
  discount: Int8
  tax: Int8
  total: Int8
  returned_quantity: Generated<number>
}

export interface OrderStatusHistoryTable {
  order_id: string
  from_status: string | null
  to_status: string
  note: string | null
  at: Timestamp
}

export interface OrderTables {
  orders: OrdersTable
  order_lines: OrderLinesTable
  order_status_history: OrderStatusHistoryTable
}
