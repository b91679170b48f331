import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { createCommerce } from './create-commerce.js'

describe('createCommerce', () => {
  it.each([
    ['no storage', {}],
    ['a storage without methods', { storage: {} }],
    ['a clock without now()', { storage: { migrate() {}, transaction() {}, close() {} }, clock: Date }],
    ['an unknown option', { storage: { migrate() {}, transaction() {}, close() {} }, cartz: {} }],
    [
      'a reservation TTL below a second',
      { storage: { migrate() {}, transaction() {}, close() {} }, reservationTtlMs: 5 },
    ],
    [
      'units sold switched on with true',
      { storage: { migrate() {}, transaction() {}, close() {} }, unitsSold: true },
    ],
    [
      'a units sold interval below 50 ms',
      { storage: { migrate() {}, transaction() {}, close() {} }, unitsSold: { intervalMs: 10 } },
    ],
  ])('rejects %s with config.invalid naming the field', (_, config) => {
    let error: unknown
    try {
      createCommerce(config as never)
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'config.invalid')).toBe(true)
    expect((error as Error).message).toMatch(/Invalid Souk configuration/)
  })
})
