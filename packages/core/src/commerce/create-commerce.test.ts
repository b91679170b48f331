import { describe, expect, it } from 'vitest'
import { expectConfigError } from '../testing/expect-config-error.js'
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
    expectConfigError(() => createCommerce(config as never), 'createCommerce config')
  })

  it.each([
    [
      'is missing',
      undefined,
      'storage: storage is required: a Storage adapter such as postgresStorage({ connectionString })',
    ],
    [
      'is a connection string',
      'postgres://localhost/shop',
      'storage: storage must be a Storage adapter, not a string: pass postgresStorage({ connectionString })',
    ],
  ])('says what to pass when storage %s', (_, storage, message) => {
    const error = expectConfigError(
      () => createCommerce({ storage } as never),
      'createCommerce config',
      'storage',
    )
    expect(error.message).toBe(`Invalid createCommerce config: ${message}`)
  })
})
