import type { InventoryItem, Location, Reservation, StockLevel } from '@souk/core'

export interface LevelRow {
  sku: string
  location_id: string
  on_hand: string | number | bigint
  reserved: string | number | bigint
}

export function toStockLevel(row: LevelRow): StockLevel {
  const onHand = Number(row.on_hand)
  const reserved = Number(row.reserved)
  return { sku: row.sku, locationId: row.location_id, onHand, reserved, available: onHand - reserved }
}

export function toItem(row: {
  sku: string
  tracked: boolean
  allow_backorder: boolean
  low_stock_threshold: number | null
}): InventoryItem {
  return {
    sku: row.sku,
    tracked: row.tracked,
    allowBackorder: row.allow_backorder,
    lowStockThreshold: row.low_stock_threshold,
  }
}

export function toLocation(row: { id: string; name: string; priority: number }): Location {
  return { id: row.id, name: row.name, priority: row.priority }
}

/** The shape `reservation_json()` builds in SQL. */
export interface ReservationJson {
  id: string
  reference: string | null
  status: Reservation['status']
  expiresAt: string
  createdAt: string
  closedAt: string | null
  items: { sku: string; locationId: string | null; quantity: number | string }[]
}

export function toReservation(json: ReservationJson): Reservation {
  const lines = new Map<string, number>()
  const allocations: { sku: string; locationId: string; quantity: number }[] = []
  for (const item of json.items) {
    const quantity = Number(item.quantity)
    lines.set(item.sku, (lines.get(item.sku) ?? 0) + quantity)
    if (item.locationId !== null) allocations.push({ sku: item.sku, locationId: item.locationId, quantity })
  }
  return {
    id: json.id,
    reference: json.reference,
    status: json.status,
    lines: [...lines]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([sku, quantity]) => ({ sku, quantity })),
    allocations,
    expiresAt: new Date(json.expiresAt),
    createdAt: new Date(json.createdAt),
    closedAt: json.closedAt === null ? null : new Date(json.closedAt),
  }
}

/** `available_json()` gives `{ sku: available }`; numbers may arrive as strings. */
export function toAvailability(json: Record<string, number | string> | null): Map<string, number> {
  return new Map(Object.entries(json ?? {}).map(([sku, n]) => [sku, Number(n)]))
}

/** JSON columns come back parsed from pg and PGlite, but a string from some poolers. */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}
