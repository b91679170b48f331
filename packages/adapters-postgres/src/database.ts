import type { ColumnType, Generated } from 'kysely'
import type { CartTables } from './carts/cart-tables.js'
import type { CatalogTables } from './catalog/catalog-tables.js'
import type { AddressTables } from './customers/address-tables.js'
import type { FraudTables } from './fraud/fraud-tables.js'
import type { IdempotencyTables } from './idempotency/idempotency-tables.js'
import type { OrderTables } from './orders/order-tables.js'
import type { OutboxTables } from './outbox/outbox-tables.js'
import type { PaymentTables } from './payments/payment-tables.js'
import type { PriceTables } from './pricing/price-schedule-tables.js'
import type { PromotionTables } from './promotions/promotion-tables.js'
import type { SearchTables } from './search/search-tables.js'
import type { ShipmentTables } from './shipments/shipment-tables.js'
import type { ShippingTables } from './shipping/shipping-tables.js'

export type Timestamp = ColumnType<Date, Date | string, Date | string>
/** int8 columns: pg hands them back as strings, PGlite as bigint; mappers convert with Number(). */
export type Int8 = ColumnType<string | bigint | number, number | bigint, number | bigint>

export interface LocationsTable {
  id: string
  name: string
  priority: number
  created_at: Generated<Timestamp>
}

export interface InventoryItemsTable {
  sku: string
  tracked: Generated<boolean>
  allow_backorder: Generated<boolean>
  low_stock_threshold: number | null
  /** `in`, `low` or `out`, kept by storage with every stock change (migration 010). */
  stock_state: Generated<'in' | 'low' | 'out'>
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
}

export interface StockLevelsTable {
  sku: string
  location_id: string
  on_hand: Int8
  reserved: ColumnType<string | bigint | number, number | bigint | undefined, number | bigint>
  updated_at: Timestamp
}

export interface ReservationsTable {
  id: string
  reference: string | null
  status: 'active' | 'committed' | 'released' | 'expired'
  expires_at: Timestamp
  created_at: Timestamp
  closed_at: Timestamp | null
}

export interface ReservationItemsTable {
  reservation_id: string
  sku: string
  /** Null for untracked SKUs, which hold no stock. */
  location_id: string | null
  quantity: Int8
}

export interface StockSubscriptionsTable {
  sku: string
  subscriber: string
  created_at: Timestamp
}

/**
 * Every table Souk owns, in its own Postgres schema (default `souk`), as its migrations leave them:
 * what `storage.db` is typed with for host queries and what Souk's stores query.
 */
export interface SoukDatabase
  extends OrderTables,
    IdempotencyTables,
    CartTables,
    CatalogTables,
    SearchTables,
    OutboxTables,
    PaymentTables,
    PriceTables,
    PromotionTables,
    ShippingTables,
    ShipmentTables,
    AddressTables,
    FraudTables {
  locations: LocationsTable
  inventory_items: InventoryItemsTable
  stock_levels: StockLevelsTable
  reservations: ReservationsTable
  reservation_items: ReservationItemsTable
  stock_subscriptions: StockSubscriptionsTable
}
