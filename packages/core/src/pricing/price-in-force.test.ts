import { describe, expect, it } from 'vitest'
import { isInForce, nextPriceChange, scheduleInForce, wasPriceOf } from './price-in-force.js'
import type { PriceSchedule } from './price-schedule-types.js'

const at = (iso: string) => new Date(iso)
const usd = (amount: number) => ({ amount, currency: 'USD' })
const schedule = (
  startsAt: string,
  endsAt: string | null,
  amount = 500,
  currency = 'USD',
): PriceSchedule => ({
  id: `psch_${startsAt}`,
  sku: 'SKU',
  variantId: 'var_1',
  productId: 'prod_1',
  price: { amount, currency },
  startsAt: at(startsAt),
  endsAt: endsAt === null ? null : at(endsAt),
  createdAt: at('2030-01-01T00:00:00Z'),
})

describe('price in force', () => {
  it('is in force from its start (inclusive) to its end (exclusive)', () => {
    const s = schedule('2030-01-02T00:00:00Z', '2030-01-03T00:00:00Z')
    expect(isInForce(s, at('2030-01-01T23:59:59.999Z'))).toBe(false)
    expect(isInForce(s, at('2030-01-02T00:00:00Z'))).toBe(true)
    expect(isInForce(s, at('2030-01-02T23:59:59.999Z'))).toBe(true)
    expect(isInForce(s, at('2030-01-03T00:00:00Z'))).toBe(false)
    expect(isInForce(schedule('2030-01-02T00:00:00Z', null), at('2099-01-01T00:00:00Z'))).toBe(true)
  })

  it('picks the schedule of the variant and currency in force', () => {
    const list = [
      schedule('2030-01-02T00:00:00Z', '2030-01-03T00:00:00Z', 500),
      schedule('2030-01-02T00:00:00Z', null, 400, 'EUR'),
    ]
    expect(scheduleInForce(list, 'var_1', 'USD', at('2030-01-02T12:00:00Z'))?.price).toEqual(usd(500))
    expect(scheduleInForce(list, 'var_2', 'USD', at('2030-01-02T12:00:00Z'))).toBeNull()
    expect(scheduleInForce(list, 'var_1', 'USD', at('2030-01-03T00:00:00Z'))).toBeNull()
  })

  it('shows the higher of compare-at and (during a sale) regular, only above the price', () => {
    expect(wasPriceOf({ price: usd(500), regular: usd(800), compareAt: usd(1000) })).toEqual(usd(1000))
    expect(wasPriceOf({ price: usd(500), regular: usd(800), compareAt: null })).toEqual(usd(800))
    expect(wasPriceOf({ price: usd(800), regular: usd(800), compareAt: null })).toBeNull()
    expect(wasPriceOf({ price: usd(900), regular: usd(800), compareAt: usd(850) })).toBeNull() // a rise
    expect(
      wasPriceOf({ price: usd(500), regular: usd(800), compareAt: { amount: 2000, currency: 'EUR' } }),
    ).toEqual(usd(800))
    expect(wasPriceOf({ price: null, regular: usd(800), compareAt: usd(1000) })).toBeNull()
  })

  it('names the next start or end after an instant', () => {
    const list = [
      schedule('2030-01-02T00:00:00Z', '2030-01-03T00:00:00Z'),
      schedule('2030-01-05T00:00:00Z', null),
    ]
    expect(nextPriceChange(list, at('2030-01-01T00:00:00Z'))).toEqual(at('2030-01-02T00:00:00Z'))
    expect(nextPriceChange(list, at('2030-01-02T00:00:00Z'))).toEqual(at('2030-01-03T00:00:00Z'))
    expect(nextPriceChange(list, at('2030-01-04T00:00:00Z'))).toEqual(at('2030-01-05T00:00:00Z'))
    expect(nextPriceChange(list, at('2030-01-06T00:00:00Z'))).toBeNull()
  })
})
