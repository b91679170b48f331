import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/error-classes.js'
import { currencyCodeSchema, currencyCodes, currencyExponent, isCurrencyCode } from './currencies.js'

function thrown(fn: () => unknown): ValidationError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new ValidationError('expected the call to throw', [])
}

describe('currencyExponent', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['UYI', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['CLF', 4],
    ['UYW', 4],
  ])('%s has exponent %i', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent)
  })

  it('knows every zero-, three- and four-digit currency', () => {
    const byExponent = (e: number) => currencyCodes.filter((code) => currencyExponent(code) === e)
    expect(byExponent(0)).toEqual(
      [
        'JPY',
        'KRW',
        'VND',
        'CLP',
        'ISK',
        'UGX',
        'XAF',
        'XOF',
        'XPF',
        'PYG',
        'RWF',
        'KMF',
        'GNF',
        'DJF',
        'BIF',
        'VUV',
        'UYI',
      ].sort(),
    )
    expect(byExponent(3)).toEqual(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'])
    expect(byExponent(4)).toEqual(['CLF', 'UYW'])
  })

  it('gives every code exactly one exponent and lists codes sorted, without duplicates', () => {
    expect(new Set(currencyCodes).size).toBe(currencyCodes.length)
    expect([...currencyCodes].sort()).toEqual(currencyCodes)
    for (const code of currencyCodes) {
      expect(code).toMatch(/^[A-Z]{3}$/)
      expect([0, 2, 3, 4]).toContain(currencyExponent(code))
    }
  })

  it('throws a ValidationError at path currency for an unknown code', () => {
    const error = thrown(() => currencyExponent('ZZZ'))
    expect(error.code).toBe('validation.failed')
    expect(error.details.issues).toEqual([{ path: 'currency', message: expect.stringContaining('ZZZ') }])
  })
})

describe('isCurrencyCode', () => {
  it('accepts known codes', () => {
    expect(isCurrencyCode('USD')).toBe(true)
    expect(isCurrencyCode('XCG')).toBe(true)
    expect(isCurrencyCode('ZWG')).toBe(true)
  })

  it.each([
    'usd',
    'US',
    'USDD',
    '',
    'ZZZ',
    'XAU', // no minor unit in ISO-4217
    'XXX',
    'HRK', // replaced by EUR in 2023
    'constructor', // inherited object members are not codes
    '__proto__',
  ])('rejects %j', (code) => {
    expect(isCurrencyCode(code)).toBe(false)
  })

  it('rejects non-strings', () => {
    expect(isCurrencyCode(undefined)).toBe(false)
    expect(isCurrencyCode(840)).toBe(false)
    expect(isCurrencyCode({ toString: () => 'USD' })).toBe(false)
  })
})

describe('currencyCodeSchema', () => {
  it('accepts a known uppercase code', () => {
    expect(currencyCodeSchema.parse('EUR')).toBe('EUR')
  })

  it('rejects a malformed code with one issue, not two', () => {
    const result = currencyCodeSchema.safeParse('usd')
    expect(result.success).toBe(false)
    expect(result.error?.issues).toHaveLength(1)
    expect(result.error?.issues[0]?.message).toMatch(/uppercase/)
  })

  it('rejects a well-formed but unknown code', () => {
    const result = currencyCodeSchema.safeParse('ZZZ')
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toMatch(/Unknown/)
  })

  it('rejects non-strings', () => {
    expect(currencyCodeSchema.safeParse(840).success).toBe(false)
  })
})
