import { describe, expect, it } from 'vitest'
import { sellerAnalyticsSchema } from '../orders/order-schemas.js'
import { trackingEventSchema } from '../shipping/shipment-schemas.js'
import { instantSchema } from './instant-schema.js'

describe('instantSchema', () => {
  it('takes a valid Date or an ISO-8601 date-time with an offset', () => {
    const at = new Date('2026-07-01T08:00:00Z')
    expect(instantSchema.parse(at)).toEqual(at)
    expect(instantSchema.parse('2026-07-01T08:00:00Z')).toEqual(at)
    expect(instantSchema.parse('2026-07-01T10:00:00+02:00')).toEqual(at)
    expect(instantSchema.parse('2026-07-01T08:00:00.000Z')).toEqual(at)
  })

  it.each([
    ['true', true],
    ['false', false],
    ['a number', 0],
    ['null', null],
    ['an empty string', ''],
    ['garbage', 'yesterday'],
    ['Invalid Date', new Date('nope')],
    ['a bare date', '2026-07-01'],
    ['a date-time without offset', '2026-07-01T08:00:00'],
    ['an impossible day', '2026-02-30T00:00:00Z'],
    ['hour 24', '2026-07-01T24:00:00Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['a Date beyond year 9999', new Date(Date.UTC(10_000, 0, 1))],
  ])('refuses %s instead of coercing it', (_, value) => {
    expect(instantSchema.safeParse(value).success).toBe(false)
  })
})

describe('dates at public entry points', () => {
  it('never store a tracking event at 1970 for occurredAt: true', () => {
    const event = { shipmentId: 'shp_1', status: 'in_transit' as const }
    expect(trackingEventSchema.safeParse({ ...event, occurredAt: true }).success).toBe(false)
    expect(trackingEventSchema.safeParse({ ...event, occurredAt: 0 }).success).toBe(false)
    expect(trackingEventSchema.parse({ ...event, occurredAt: '2026-07-01T08:00:00Z' }).occurredAt).toEqual(
      new Date('2026-07-01T08:00:00Z'),
    )
  })

  it('refuse an invalid seller analytics window with issues, not a RangeError', () => {
    const query = { sellerId: 'sel_1', from: '2026-06-01T00:00:00Z', to: '2026-07-01T00:00:00Z' }
    expect(sellerAnalyticsSchema.safeParse(query).success).toBe(true)
    for (const bad of [
      { from: 'Invalid Date' },
      { to: new Date(Number.NaN) },
      { from: true },
      { to: '2026-07-01' },
    ]) {
      const result = sellerAnalyticsSchema.safeParse({ ...query, ...bad })
      expect(result.success, JSON.stringify(bad)).toBe(false)
      expect(result.error?.issues[0]?.path).toEqual(Object.keys(bad))
    }
  })
})
