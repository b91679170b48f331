import type { ColumnType, Generated } from 'kysely'

export interface ShippingZonesTable {
  id: string
  name: string
  countries: string[]
  regions: Generated<string[]>
}

/** `config` per kind, amounts in minor units of `currency` (see 002-commerce). */
export type ShippingMethodConfig =
  | { amount: number }
  | { amount: number; threshold: number }
  | { brackets: { upToGrams: number; amount: number }[] }

export interface ShippingMethodsTable {
  id: string
  zone_id: string
  name: string
  kind: 'flat' | 'free_over' | 'weight_table'
  currency: string
  /** Written as JSON text; read back parsed. */
  config: ColumnType<unknown, string, string>
  carrier: string | null
  min_days: number
  max_days: number
  active: Generated<boolean>
}

export interface ShippingTables {
  shipping_zones: ShippingZonesTable
  shipping_methods: ShippingMethodsTable
}
