import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/error-classes.js'
import { currencyCodes, currencyExponent } from './currencies.js'
import { formatMoney, fromDecimalString, toDecimalString } from './format.js'
import { type Money, money } from './money.js'

function thrown(fn: () => unknown): ValidationError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new ValidationError('expected the call to throw', [])
}

function expectInvalid(fn: () => unknown, path: string): void {
  const error = thrown(fn)
  expect(error.code).toBe('validation.failed')
  expect(error.details.issues.map((issue) => issue.path)).toContain(path)
}

const MAX = Number.MAX_SAFE_INTEGER
// ICU separates some parts with no-break spaces, whose exact kind varies between ICU versions.
const spaces = (text: string): string => text.replace(/\s/g, ' ')
// One currency for each exponent, so every exponent is exercised even when sampling.
const oneCodePerExponent = ['JPY', 'USD', 'KWD', 'CLF']

describe('toDecimalString', () => {
  it.each([
    [-1205, 'USD', '-12.05'],
    [1205, 'USD', '12.05'],
    [5, 'USD', '0.05'],
    [-5, 'USD', '-0.05'],
    [0, 'USD', '0.00'],
    [100, 'EUR', '1.00'],
    [1205, 'JPY', '1205'],
    [-1205, 'JPY', '-1205'],
    [1205, 'KWD', '1.205'],
    [7, 'KWD', '0.007'],
    [12345, 'CLF', '1.2345'],
    [MAX, 'USD', '90071992547409.91'],
    [-MAX, 'JPY', '-9007199254740991'],
  ])('%i %s → %s', (amount, currency, text) => {
    expect(toDecimalString(money(amount, currency))).toBe(text)
  })

  it('rejects a Money with a float amount', () => {
    expectInvalid(() => toDecimalString({ amount: 12.05, currency: 'USD' }), 'amount')
  })
})

describe('fromDecimalString', () => {
  it.each([
    ['12.05', 'USD', 1205],
    ['-12.05', 'USD', -1205],
    ['12.5', 'USD', 1250],
    ['12', 'USD', 1200],
    ['0.01', 'USD', 1],
    ['007.10', 'USD', 710],
    ['1205', 'JPY', 1205],
    ['1.205', 'KWD', 1205],
    ['1.2', 'KWD', 1200],
    ['1.2345', 'CLF', 12345],
    ['90071992547409.91', 'USD', MAX],
    ['-90071992547409.91', 'USD', -MAX],
  ])('%s %s → %i', (text, currency, amount) => {
    expect(fromDecimalString(text, currency)).toEqual(money(amount, currency))
  })

  it('reads -0 as 0', () => {
    expect(Object.is(fromDecimalString('-0.00', 'USD').amount, 0)).toBe(true)
  })

  it.each([
    ['12.345', 'USD'],
    ['12.0', 'JPY'],
    ['1.2050', 'KWD'],
    ['1e3', 'USD'],
    ['+1', 'USD'],
    ['1,000.00', 'USD'],
    [' 1', 'USD'],
    ['1 ', 'USD'],
    ['', 'USD'],
    ['-', 'USD'],
    ['--1', 'USD'],
    ['.5', 'USD'],
    ['5.', 'USD'],
    ['NaN', 'USD'],
    ['Infinity', 'USD'],
    ['0x10', 'USD'],
    ['90071992547409.92', 'USD'], // one minor unit past Number.MAX_SAFE_INTEGER
    ['9007199254740992', 'JPY'],
    ['1'.repeat(65), 'JPY'],
  ])('rejects %j in %s at path amount', (text, currency) => {
    expectInvalid(() => fromDecimalString(text, currency), 'amount')
  })

  it('rejects an unknown currency at path currency', () => {
    expectInvalid(() => fromDecimalString('1.00', 'ZZZ'), 'currency')
  })

  it('round-trips every safe amount in every currency', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.constantFrom(...currencyCodes, ...oneCodePerExponent),
        (amount, currency) => {
          const m = money(amount, currency)
          const text = toDecimalString(m)
          expect(text.split('.')[1]?.length ?? 0).toBe(currencyExponent(currency))
          expect(fromDecimalString(text, currency)).toEqual(m)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('round-trips canonical decimal text for every exponent', () => {
    const decimal = fc
      .tuple(
        fc.constantFrom(...oneCodePerExponent),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 11 }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 4, maxLength: 4 }),
      )
      .map(([currency, negative, lead, rest, fraction]) => {
        const exponent = currencyExponent(currency)
        const digits = fraction.slice(0, exponent)
        const text = `${negative ? '-' : ''}${lead}${rest}${exponent > 0 ? `.${digits}` : ''}`
        return { currency, text }
      })
    fc.assert(
      fc.property(decimal, ({ currency, text }) => {
        expect(toDecimalString(fromDecimalString(text, currency))).toBe(text)
      }),
    )
  })
})

describe('formatMoney', () => {
  it('formats with the locale and the currency exponent', () => {
    expect(formatMoney(money(-1205, 'USD'))).toBe('-$12.05')
    expect(formatMoney(money(123456789, 'USD'))).toBe('$1,234,567.89')
    expect(formatMoney(money(1205, 'JPY'))).toBe('¥1,205')
    expect(spaces(formatMoney(money(123405, 'EUR'), 'de-DE'))).toBe('1.234,05 €')
  })

  it('shows every minor digit even where the locale would show fewer', () => {
    expect(spaces(formatMoney(money(1205, 'KWD')))).toBe('KWD 1.205')
    expect(spaces(formatMoney(money(1205, 'IQD')))).toBe('IQD 1.205')
    expect(spaces(formatMoney(money(12345, 'CLF')))).toBe('CLF 1.2345')
  })

  it('does not go through a float, so huge amounts stay exact', () => {
    // As a float, 90071992547409.91 would print as ...409.92 or ...409.90.
    expect(formatMoney(money(MAX, 'USD'))).toBe('$90,071,992,547,409.91')
    expect(formatMoney(money(-MAX, 'JPY'))).toBe('-¥9,007,199,254,740,991')
  })

  it('throws a ValidationError for a malformed locale', () => {
    expectInvalid(() => formatMoney(money(1, 'USD'), 'not a locale!'), 'locale')
  })

  it('rejects a Money that did not come from money()', () => {
    expectInvalid(() => formatMoney({ amount: 0.5, currency: 'USD' }), 'amount')
    expectInvalid(() => formatMoney({ amount: 1, currency: 'ZZZ' } as Money), 'currency')
  })
})
