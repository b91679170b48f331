import { describe, expect, it } from 'vitest'
import type { ShipmentStatus } from '../ports/shipment-store.js'
import { FINAL_SHIPMENT_STATUSES, nextShipmentStatus, SHIPMENT_STATUSES } from './shipment-status.js'

const at = (hour: number) => new Date(Date.UTC(2026, 6, 1, hour))
const open = SHIPMENT_STATUSES.filter((s) => !(FINAL_SHIPMENT_STATUSES as readonly string[]).includes(s))

describe('nextShipmentStatus', () => {
  it('names the eight carrier statuses, two of them final', () => {
    expect(SHIPMENT_STATUSES).toEqual([
      'label_created',
      'picked_up',
      'in_transit',
      'out_for_delivery',
      'delivered',
      'failed_attempt',
      'exception',
      'returned_to_sender',
    ])
    expect(FINAL_SHIPMENT_STATUSES).toEqual(['delivered', 'returned_to_sender'])
  })

  it('follows the first event and every event not older than the newest, in any order', () => {
    expect(nextShipmentStatus('label_created', null, { status: 'picked_up', occurredAt: at(9) })).toBe(
      'picked_up',
    )
    for (const from of open)
      for (const to of SHIPMENT_STATUSES) {
        expect(nextShipmentStatus(from, at(9), { status: to, occurredAt: at(10) })).toBe(to)
        expect(nextShipmentStatus(from, at(9), { status: to, occurredAt: at(9) })).toBe(to)
      }
    // A failed attempt sends the parcel back out: out_for_delivery after failed_attempt is normal.
    expect(
      nextShipmentStatus('failed_attempt', at(9), { status: 'out_for_delivery', occurredAt: at(30) }),
    ).toBe('out_for_delivery')
  })

  it('never moves back for an older event that is not final', () => {
    for (const from of open)
      for (const to of open)
        expect(nextShipmentStatus(from, at(10), { status: to, occurredAt: at(9) })).toBe(from)
  })

  it('keeps final statuses final, and a final event of any age ends an open shipment', () => {
    for (const final of FINAL_SHIPMENT_STATUSES) {
      for (const status of SHIPMENT_STATUSES) {
        expect(nextShipmentStatus(final, at(10), { status, occurredAt: at(11) })).toBe(final)
        expect(nextShipmentStatus(final, at(10), { status, occurredAt: at(9) })).toBe(final)
      }
      for (const from of open as ShipmentStatus[])
        expect(nextShipmentStatus(from, at(10), { status: final, occurredAt: at(9) })).toBe(final)
    }
  })
})
