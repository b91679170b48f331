import { describe, expect, it } from 'vitest'
import { money } from '../money/money.js'
import { parcelWeightGrams, priceShippingMethod } from './price-shipping-method.js'
import type { ShippingMethod } from './shipping-types.js'
import { zoneSpecificity } from './zone-specificity.js'

const eur = (amount: number) => money(amount, 'EUR')
const base = {
  id: 'shm_1',
  zoneId: 'shz_1',
  name: 'Standard',
  carrier: null,
  currency: 'EUR',
  estimatedDays: { min: 1, max: 3 },
  active: true,
}
const flat: ShippingMethod = { ...base, kind: 'flat', price: eur(499) }
const freeOver: ShippingMethod = { ...base, kind: 'free_over', price: eur(699), threshold: eur(5000) }
const table: ShippingMethod = {
  ...base,
  kind: 'weight_table',
  brackets: [
    { upToGrams: 1000, price: eur(500) },
    { upToGrams: 5000, price: eur(900) },
  ],
}
const items = (grams: number, quantity = 1) => [{ sku: 'A', quantity, weightGrams: grams }]

describe('priceShippingMethod', () => {
  it('charges a flat price', () => {
    expect(priceShippingMethod(flat, { items: items(100), subtotal: eur(1) })).toEqual(eur(499))
  })

  it('is free from the threshold on, inclusive', () => {
    expect(priceShippingMethod(freeOver, { items: [], subtotal: eur(4999) })).toEqual(eur(699))
    expect(priceShippingMethod(freeOver, { items: [], subtotal: eur(5000) })).toEqual(eur(0))
  })

  it('picks the first weight bracket the parcel fits, bounds inclusive, and refuses heavier parcels', () => {
    expect(priceShippingMethod(table, { items: items(0), subtotal: eur(0) })).toEqual(eur(500))
    expect(priceShippingMethod(table, { items: items(500, 2), subtotal: eur(0) })).toEqual(eur(500))
    expect(priceShippingMethod(table, { items: items(1001), subtotal: eur(0) })).toEqual(eur(900))
    expect(priceShippingMethod(table, { items: items(5000), subtotal: eur(0) })).toEqual(eur(900))
    expect(priceShippingMethod(table, { items: items(2501, 2), subtotal: eur(0) })).toBeNull()
  })

  it('serves only carts in its currency', () => {
    expect(priceShippingMethod(flat, { items: [], subtotal: money(1, 'USD') })).toBeNull()
  })

  it('sums weights exactly and never overflows into a wrong bracket', () => {
    expect(parcelWeightGrams([...items(250, 3), ...items(1, 1)])).toBe(751)
    expect(parcelWeightGrams(items(Number.MAX_SAFE_INTEGER, 2))).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('zoneSpecificity', () => {
  const zone = (countries: string[], regions: string[] = []) => ({ id: 'z', name: 'z', countries, regions })

  it('ranks region over country over rest of world', () => {
    expect(zoneSpecificity(zone(['US'], ['US-CA']), { country: 'US', region: 'CA' })).toBe(2)
    expect(zoneSpecificity(zone(['US']), { country: 'US', region: 'CA' })).toBe(1)
    expect(zoneSpecificity(zone(['*']), { country: 'US', region: 'CA' })).toBe(0)
    expect(zoneSpecificity(zone(['DE']), { country: 'US' })).toBeNull()
  })

  it("narrows only the regions' own country", () => {
    const z = zone(['US', 'CA'], ['US-AK', 'US-HI'])
    expect(zoneSpecificity(z, { country: 'US', region: 'AK' })).toBe(2)
    expect(zoneSpecificity(z, { country: 'US', region: 'NY' })).toBeNull()
    expect(zoneSpecificity(z, { country: 'US' })).toBeNull()
    expect(zoneSpecificity(z, { country: 'CA', region: 'QC' })).toBe(1)
    expect(zoneSpecificity(z, { country: 'us', region: 'hi' })).toBe(2)
  })
})
