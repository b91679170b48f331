import { describe, expect, it } from 'vitest'
import { nextShipmentStatus } from './shipment-status.js'

const at = (hour: number) => new Date(Date.UTC(2026, 6, 1, hour))

describe('nextShipmentStatus', () => {
  it('follows the first event and every event not older than the newest', () => {
    expect(nextShipmentStatus('shipped', null, { status: 'in_transit', occurredAt: at(9) })).toBe(
      'in_transit',
    )
    expect(nextShipmentStatus('in_transit', at(9), { status: 'exception', occurredAt: at(10) })).toBe(
      'exception',
    )
    expect(nextShipmentStatus('in_transit', at(9), { status: 'exception', occurredAt: at(9) })).toBe(
      'exception',
    )
  })

  it('never moves back for an older event', () => {
    expect(nextShipmentStatus('exception', at(10), { status: 'in_transit', occurredAt: at(9) })).toBe(
      'exception',
    )
    expect(nextShipmentStatus('shipped', at(10), { status: 'in_transit', occurredAt: at(9) })).toBe('shipped')
  })

  it('treats delivered as final, and delivers on a delivered event of any age', () => {
    for (const status of ['in_transit', 'exception'] as const) {
      expect(nextShipmentStatus('delivered', at(10), { status, occurredAt: at(11) })).toBe('delivered')
      expect(nextShipmentStatus('delivered', at(10), { status, occurredAt: at(9) })).toBe('delivered')
    }
    expect(nextShipmentStatus('in_transit', at(10), { status: 'delivered', occurredAt: at(9) })).toBe(
      'delivered',
    )
  })
})
