import type { ColumnType, Generated } from 'kysely'
import type { Int8, Timestamp } from '../database.js'

export interface PromotionsTable {
  id: string
  /** Upper case (a CHECK since 005). */
  code: string
  kind: 'percentage' | 'fixed' | 'free_shipping'
  /** Exact decimal percent, for `percentage`. */
  percent: string | null
  /** Minor units of `currency`, for `fixed`. */
  amount: Int8 | null
  /** Set for `fixed` and whenever there is a minimum subtotal. */
  currency: string | null
  /** 0 means no minimum. */
  min_subtotal: ColumnType<string | bigint | number, number | bigint | undefined, number | bigint>
  starts_at: Timestamp | null
  ends_at: Timestamp | null
  usage_limit: number | null
  per_customer_limit: number | null
  times_used: Generated<number>
  created_at: Timestamp
}

export interface PromotionRedemptionsTable {
  promotion_id: string
  order_id: string
  customer_id: string | null
  created_at: Timestamp
}

export interface PromotionTables {
  promotions: PromotionsTable
  promotion_redemptions: PromotionRedemptionsTable
}
