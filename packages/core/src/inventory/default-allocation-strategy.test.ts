import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { defaultAllocationStrategy } from './default-allocation-strategy.js'
import type { InventoryItem, StockLevel } from './inventory-types.js'

const item = (sku: string, over: Partial<InventoryItem> = {}): InventoryItem => ({
  sku,
  tracked: true,
  allowBackorder: false,
  lowStockThreshold: null,
  ...over,
})
const level = (sku: string, locationId: string, available: number): StockLevel => ({
  sku,
  locationId,
  onHand: available,
  reserved: 0,
  available,
})
const locations = [
  { id: 'a', name: 'A', priority: 1 },
  { id: 'b', name: 'B', priority: 2 },
]

describe('defaultAllocationStrategy', () => {
  it('ships everything from the most preferred location that can', () => {
    const result = defaultAllocationStrategy({
      lines: [
        { sku: 'X', quantity: 2 },
        { sku: 'Y', quantity: 1 },
      ],
      levels: [level('X', 'a', 5), level('Y', 'a', 0), level('X', 'b', 2), level('Y', 'b', 1)],
      items: new Map([
        ['X', item('X')],
        ['Y', item('Y')],
      ]),
      locations,
    })
    expect(result).toEqual([
      { sku: 'X', locationId: 'b', quantity: 2 },
      { sku: 'Y', locationId: 'b', quantity: 1 },
    ])
  })

  it('splits by preference when no single location can', () => {
    const result = defaultAllocationStrategy({
      lines: [{ sku: 'X', quantity: 6 }],
      levels: [level('X', 'b', 4), level('X', 'a', 3)],
      items: new Map([['X', item('X')]]),
      locations,
    })
    expect(result).toEqual([
      { sku: 'X', locationId: 'a', quantity: 3 },
      { sku: 'X', locationId: 'b', quantity: 3 },
    ])
  })

  it('reports every short SKU with what is available', () => {
    let error: unknown
    try {
      defaultAllocationStrategy({
        lines: [
          { sku: 'X', quantity: 9 },
          { sku: 'Y', quantity: 1 },
          { sku: 'Z', quantity: 1 },
        ],
        levels: [level('X', 'a', 3), level('X', 'b', -2), level('Y', 'a', 1)],
        items: new Map(['X', 'Y', 'Z'].map((s) => [s, item(s)])),
        locations,
      })
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'inventory.insufficient_stock')).toBe(true)
    expect((error as { details: unknown }).details).toEqual({
      shortfalls: [
        { sku: 'X', requested: 9, available: 3 },
        { sku: 'Z', requested: 1, available: 0 },
      ],
    })
  })

  it('puts the backordered remainder on the preferred location', () => {
    const result = defaultAllocationStrategy({
      lines: [{ sku: 'X', quantity: 5 }],
      levels: [level('X', 'a', 2)],
      items: new Map([['X', item('X', { allowBackorder: true })]]),
      locations,
    })
    expect(result).toEqual([{ sku: 'X', locationId: 'a', quantity: 5 }])
  })
})
