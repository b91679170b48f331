import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/error-classes.js'
import { add, type Money, money, subtract } from './money.js'
import { applyRate, applyRatePerLine, inclusiveTax, parseRate, type Rate } from './rate.js'
import { divideRounded, type RoundingMode, roundingModes } from './rounding.js'

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

const usd = (amount: number): Money => money(amount, 'USD')

// Percent strings from '0' to '999.9999', built as text so no float is involved.
const percentText = fc
  .tuple(
    fc.integer({ min: 0, max: 999 }),
    fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 4 }),
  )
  .map(([whole, fraction]) => (fraction ? `${whole}.${fraction}` : String(whole)))
const mode = fc.constantFrom(...roundingModes)

describe('parseRate', () => {
  it.each([
    ['20', 20n, 1n],
    ['8.875', 71n, 8n],
    ['0.5', 1n, 2n],
    ['0', 0n, 1n],
    ['7.70', 77n, 10n],
    ['020', 20n, 1n],
    ['1000', 1000n, 1n],
    ['1000.000', 1000n, 1n],
    ['0.0001', 1n, 10000n],
  ])('parses %j exactly', (text, numerator, denominator) => {
    expect(parseRate(text)).toEqual({ numerator, denominator })
  })

  it.each([
    '-5',
    '+5',
    '1e1',
    '1E1',
    '.5',
    '5.',
    ' 5',
    '5 ',
    '',
    '5%',
    '0x10',
    '1,5',
    'NaN',
    'Infinity',
    '1000.0001',
    '1001',
    '١٢',
    `0.${'0'.repeat(40)}1`,
  ])('rejects %j at path rate', (text) => {
    expectInvalid(() => parseRate(text), 'rate')
  })

  it('rejects non-strings', () => {
    expectInvalid(() => parseRate(20 as unknown as string), 'rate')
  })
})

describe('applyRate', () => {
  it('takes 8.875% of 1999 cents as 177 (177.41125 rounded once)', () => {
    expect(applyRate(usd(1999), '8.875')).toEqual(usd(177))
    expect(applyRate(usd(1999), '8.875', 'up')).toEqual(usd(178))
  })

  it('rounds half-even by default and obeys the mode', () => {
    // 50% of 5 cents is exactly 2.5.
    expect(applyRate(usd(5), '50')).toEqual(usd(2))
    expect(applyRate(usd(7), '50')).toEqual(usd(4))
    expect(applyRate(usd(5), '50', 'half-up')).toEqual(usd(3))
    expect(applyRate(usd(-5), '50', 'half-up')).toEqual(usd(-3))
    expect(applyRate(usd(5), '50', 'half-down')).toEqual(usd(2))
  })

  it('accepts a parsed Rate and gives the same answer', () => {
    expect(applyRate(usd(1999), parseRate('8.875'))).toEqual(applyRate(usd(1999), '8.875'))
    expect(applyRate(usd(1000), { numerator: 40n, denominator: 2n })).toEqual(usd(200))
  })

  it('keeps the currency and respects it (JPY has no minor digits)', () => {
    expect(applyRate(money(1999, 'JPY'), '10')).toEqual(money(200, 'JPY'))
    expect(applyRate(money(1999, 'KWD'), '10')).toEqual(money(200, 'KWD'))
  })

  it('rejects hand-built rates that break the rules', () => {
    const bad: unknown[] = [
      { numerator: 1n, denominator: 0n },
      { numerator: -1n, denominator: 1n },
      { numerator: 1001n, denominator: 1n },
      { numerator: 20, denominator: 1 },
      null,
    ]
    for (const rate of bad) expectInvalid(() => applyRate(usd(100), rate as Rate), 'rate')
  })

  it('refuses a result past Number.MAX_SAFE_INTEGER', () => {
    expectInvalid(() => applyRate(usd(Number.MAX_SAFE_INTEGER), '200'), 'amount')
  })

  it('is within one unit of the exact product and matches divideRounded', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), percentText, mode, (amount, percent, m) => {
        const rate = parseRate(percent)
        const result = BigInt(applyRate(usd(amount), percent, m).amount)
        const scaled = BigInt(amount) * rate.numerator // exact value × 100·denominator
        const unit = rate.denominator * 100n
        const distance = result * unit - scaled
        expect(distance < unit && distance > -unit).toBe(true)
        expect(result).toBe(divideRounded(scaled, unit, m))
      }),
    )
  })
})

describe('inclusiveTax', () => {
  it('finds the tax inside a gross price', () => {
    expect(inclusiveTax(money(1200, 'EUR'), '20')).toEqual(money(200, 'EUR'))
    // 119 × 19 / 119 = 19 exactly.
    expect(inclusiveTax(money(119, 'EUR'), '19')).toEqual(money(19, 'EUR'))
    // 1000 × 8.875 / 108.875 = 81.515... → 82.
    expect(inclusiveTax(usd(1000), '8.875')).toEqual(usd(82))
    expect(inclusiveTax(usd(1000), '0')).toEqual(usd(0))
  })

  it('agrees with the exact formula, and net + tax is the gross', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), percentText, mode, (gross, percent, m) => {
        const rate = parseRate(percent)
        const tax = inclusiveTax(usd(gross), percent, m)
        const expected = divideRounded(
          BigInt(gross) * rate.numerator,
          100n * rate.denominator + rate.numerator,
          m,
        )
        expect(BigInt(tax.amount)).toBe(expected)
        expect(add(subtract(usd(gross), tax), tax)).toEqual(usd(gross))
      }),
    )
  })
})

describe('applyRatePerLine', () => {
  it('rounds each line, then sums the rounded lines', () => {
    // Each line is 0.5 cent of tax; half-even rounds each to 0, so the total is 0,
    // where rounding the 1.5-cent subtotal once would give 2.
    const lines = [usd(5), usd(5), usd(5)]
    const result = applyRatePerLine(lines, '10')
    expect(result.lines).toEqual([usd(0), usd(0), usd(0)])
    expect(result.total).toEqual(usd(0))
    expect(applyRate(usd(15), '10')).toEqual(usd(2))
  })

  it('works for an empty list when the currency is given', () => {
    expect(applyRatePerLine([], '20', 'half-even', 'EUR')).toEqual({ lines: [], total: money(0, 'EUR') })
    expectInvalid(() => applyRatePerLine([], '20'), 'currency')
  })

  it('refuses lines in different currencies', () => {
    expectInvalid(() => applyRatePerLine([usd(100), money(100, 'EUR')], '20'), 'currency')
    expectInvalid(() => applyRatePerLine([usd(100)], '20', 'half-even', 'EUR'), 'currency')
  })

  it('returns lines in order whose sum is the total, each rounded on its own', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 36), max: 2 ** 36 }), { maxLength: 30 }),
        percentText,
        mode,
        (amounts, percent, m: RoundingMode) => {
          const lines = amounts.map(usd)
          const result = applyRatePerLine(lines, percent, m, 'USD')
          const individually = lines.map((line) => applyRate(line, percent, m))
          expect(result.lines).toEqual(individually)
          expect(result.total.amount).toBe(individually.reduce((acc, line) => acc + line.amount, 0))
          expect(result.total.currency).toBe('USD')
        },
      ),
    )
  })
})
