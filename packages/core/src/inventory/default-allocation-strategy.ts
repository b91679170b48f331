import { InsufficientStockError, type StockShortfall } from '../errors/error-classes.js'
import type { AllocationStrategy } from '../ports/allocation-strategy.js'
import type { Allocation, StockLevel } from './inventory-types.js'
import { DEFAULT_LOCATION_ID } from './inventory-types.js'

/**
 * The default allocation: ship everything from the most preferred location that can fill every
 * line; otherwise split each SKU across locations in preference order. Backorderable SKUs put what
 * no location has on their most preferred location.
 */
export const defaultAllocationStrategy: AllocationStrategy = ({ lines, levels, items, locations }) => {
  const rank = new Map(locations.map((l, i) => [l.id, i]))
  const bySku = new Map<string, StockLevel[]>()
  for (const level of levels) {
    const list = bySku.get(level.sku) ?? []
    list.push(level)
    bySku.set(level.sku, list)
  }
  for (const list of bySku.values()) {
    list.sort((a, b) => (rank.get(a.locationId) ?? 1e9) - (rank.get(b.locationId) ?? 1e9))
  }

  const single = locations.find((location) =>
    lines.every((line) => {
      const level = bySku.get(line.sku)?.find((l) => l.locationId === location.id)
      return level !== undefined && level.available >= line.quantity
    }),
  )
  if (single) return lines.map((line) => ({ sku: line.sku, locationId: single.id, quantity: line.quantity }))

  const allocations: Allocation[] = []
  const shortfalls: StockShortfall[] = []
  for (const line of lines) {
    const candidates = bySku.get(line.sku) ?? []
    let remaining = line.quantity
    for (const level of candidates) {
      if (remaining === 0) break
      const take = Math.min(remaining, Math.max(0, level.available))
      if (take > 0) {
        allocations.push({ sku: line.sku, locationId: level.locationId, quantity: take })
        remaining -= take
      }
    }
    if (remaining === 0) continue
    if (items.get(line.sku)?.allowBackorder) {
      const locationId = candidates[0]?.locationId ?? locations[0]?.id ?? DEFAULT_LOCATION_ID
      const existing = allocations.find((a) => a.sku === line.sku && a.locationId === locationId)
      if (existing)
        allocations.splice(allocations.indexOf(existing), 1, {
          ...existing,
          quantity: existing.quantity + remaining,
        })
      else allocations.push({ sku: line.sku, locationId, quantity: remaining })
      continue
    }
    shortfalls.push({ sku: line.sku, requested: line.quantity, available: line.quantity - remaining })
  }
  if (shortfalls.length > 0) throw new InsufficientStockError(shortfalls)
  return allocations
}
