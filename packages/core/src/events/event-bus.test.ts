import { describe, expect, it } from 'vitest'
import type { Logger } from '../logger/logger.js'
import { createEventBus } from './event-bus.js'

function recordingLogger() {
  const errors: string[] = []
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) }
  return { logger, errors }
}

const adjusted = {
  type: 'inventory.adjusted',
  sku: 'A',
  locationId: 'default',
  delta: 1,
  onHand: 1,
  reason: 'test',
  occurredAt: new Date(0),
} as const

describe('createEventBus', () => {
  it('delivers typed events to listeners of that type and to onAny', () => {
    const bus = createEventBus(recordingLogger().logger)
    const seen: string[] = []
    bus.on('inventory.adjusted', (e) => seen.push(`typed:${e.sku}`))
    bus.on('inventory.low_stock', () => seen.push('wrong'))
    bus.onAny((e) => seen.push(`any:${e.type}`))
    bus.emit(adjusted)
    expect(seen).toEqual(['typed:A', 'any:inventory.adjusted'])
  })

  it('unsubscribes with the returned function and with off', () => {
    const bus = createEventBus(recordingLogger().logger)
    let calls = 0
    const listener = () => {
      calls++
    }
    const stop = bus.on('inventory.adjusted', listener)
    bus.emit(adjusted)
    stop()
    bus.emit(adjusted)
    bus.on('inventory.adjusted', listener)
    bus.off('inventory.adjusted', listener)
    bus.emit(adjusted)
    expect(calls).toBe(1)
  })

  it('removes a once-listener with off before it fires', () => {
    const bus = createEventBus(recordingLogger().logger)
    let calls = 0
    const listener = () => {
      calls++
    }
    bus.once('inventory.adjusted', listener)
    bus.off('inventory.adjusted', listener)
    bus.emit(adjusted)
    bus.once('inventory.adjusted', listener)
    bus.emit(adjusted)
    bus.emit(adjusted)
    expect(calls).toBe(1)
  })

  it('logs a throwing or rejecting listener instead of throwing to the publisher', async () => {
    const { logger, errors } = recordingLogger()
    const bus = createEventBus(logger)
    let after = 0
    bus.on('inventory.adjusted', () => {
      throw new Error('boom')
    })
    bus.on('inventory.adjusted', async () => {
      throw new Error('async boom')
    })
    bus.on('inventory.adjusted', () => {
      after++
    })
    expect(() => bus.emit(adjusted)).not.toThrow()
    await new Promise((r) => setTimeout(r, 0))
    expect(after).toBe(1)
    expect(errors).toEqual(['event listener failed', 'event listener failed'])
  })
})
