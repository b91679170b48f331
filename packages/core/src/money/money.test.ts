import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/error-classes.js'
import {
  add,
  compare,
  equals,
  isNegative,
  isPositive,
  isZero,
  type Money,
  max,
  min,
  money,
  moneySchema,
  multiply,
  negate,
  subtract,
  sum,
  zero,
} from './money.js'

const MAX = Number.MAX_SAFE_INTEGER

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
// Half the safe range, so that sums and differences of two of them never overflow.
const halfRange = fc.integer({ min: -Math.floor(MAX / 2), max: Math.floor(MAX / 2) })

describe('money', () => {
  it('builds a frozen value', () => {
    const m = money(1205, 'USD')
    expect(m).toEqual({ amount: 1205, currency: 'USD' })
    expect(Object.isFrozen(m)).toBe(true)
  })

  it('accepts the whole safe integer range', () => {
    expect(money(MAX, 'USD').amount).toBe(MAX)
    expect(money(-MAX, 'USD').amount).toBe(-MAX)
  })

  it.each([
    ['10.5', 10.5],
    ['0.1 + 0.2', 0.1 + 0.2],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['2^53', 2 ** 53],
    ['-(2^53)', -(2 ** 53)],
  ])('rejects %s as a float or unsafe amount', (_label, amount) => {
    expectInvalid(() => money(amount, 'USD'), 'amount')
  })

  it('rejects a numeric string smuggled past the types', () => {
    expectInvalid(() => money('100' as unknown as number, 'USD'), 'amount')
  })

  it('rejects unknown and lowercase currencies', () => {
    expectInvalid(() => money(1, 'XYZ'), 'currency')
    expectInvalid(() => money(1, 'usd'), 'currency')
  })

  it('normalizes -0 to 0', () => {
    expect(Object.is(money(-0, 'USD').amount, 0)).toBe(true)
    expect(Object.is(negate(zero('USD')).amount, 0)).toBe(true)
  })
})

describe('arithmetic', () => {
  it('adds, subtracts, multiplies and negates', () => {
    expect(add(usd(1000), usd(205))).toEqual(usd(1205))
    expect(subtract(usd(1000), usd(1205))).toEqual(usd(-205))
    expect(multiply(usd(1999), 3)).toEqual(usd(5997))
    expect(multiply(usd(1999), -1)).toEqual(usd(-1999))
    expect(multiply(usd(1999), 0)).toEqual(usd(0))
    expect(negate(usd(5))).toEqual(usd(-5))
  })

  it('refuses mixing currencies with a ValidationError at path currency', () => {
    expectInvalid(() => add(usd(1), money(1, 'EUR')), 'currency')
    expectInvalid(() => subtract(usd(1), money(1, 'EUR')), 'currency')
    expectInvalid(() => compare(usd(1), money(1, 'EUR')), 'currency')
    expectInvalid(() => min(usd(1), money(1, 'EUR')), 'currency')
    expectInvalid(() => max(usd(1), money(1, 'EUR')), 'currency')
    expectInvalid(() => sum([usd(1), money(1, 'EUR')], 'USD'), 'currency')
  })

  it('refuses results past Number.MAX_SAFE_INTEGER', () => {
    expectInvalid(() => add(usd(MAX), usd(1)), 'amount')
    expectInvalid(() => subtract(usd(-MAX), usd(1)), 'amount')
    expectInvalid(() => multiply(usd(MAX), 2), 'amount')
    expectInvalid(() => multiply(usd(2 ** 27), 2 ** 26), 'amount')
    expectInvalid(() => sum([usd(MAX), usd(1)], 'USD'), 'amount')
  })

  it('refuses a fractional or unsafe quantity', () => {
    expectInvalid(() => multiply(usd(100), 1.5), 'quantity')
    expectInvalid(() => multiply(usd(100), 2 ** 53), 'quantity')
  })

  it('re-checks operands that did not come from money()', () => {
    const floaty = { amount: 0.1, currency: 'USD' } as Money
    expectInvalid(() => add(floaty, usd(1)), 'amount')
    expectInvalid(() => multiply(floaty, 2), 'amount')
    expectInvalid(() => negate({ amount: 1, currency: 'ABC' }), 'currency')
  })

  it('add then subtract round-trips', () => {
    fc.assert(
      fc.property(halfRange, halfRange, (a, b) => {
        expect(subtract(add(usd(a), usd(b)), usd(b))).toEqual(usd(a))
        expect(add(subtract(usd(a), usd(b)), usd(b))).toEqual(usd(a))
      }),
    )
  })

  it('add is commutative and a + (-a) is zero', () => {
    fc.assert(
      fc.property(halfRange, halfRange, (a, b) => {
        expect(add(usd(a), usd(b))).toEqual(add(usd(b), usd(a)))
        expect(isZero(add(usd(a), negate(usd(a))))).toBe(true)
      }),
    )
  })
})

describe('sum', () => {
  it('is zero for an empty list, in the given currency', () => {
    expect(sum([], 'JPY')).toEqual(money(0, 'JPY'))
  })

  it('adds every item', () => {
    expect(sum([usd(1), usd(2), usd(-4)], 'USD')).toEqual(usd(-1))
  })

  it('only needs the final total to be safe', () => {
    expect(sum([usd(MAX), usd(MAX), usd(-MAX)], 'USD')).toEqual(usd(MAX))
  })

  it('rejects an unknown currency even for an empty list', () => {
    expectInvalid(() => sum([], 'ZZZ'), 'currency')
  })

  it('accepts any iterable', () => {
    function* items(): Generator<Money> {
      yield usd(5)
      yield usd(7)
    }
    expect(sum(items(), 'USD')).toEqual(usd(12))
  })

  it('equals the exact total of its items', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { maxLength: 50 }), (amounts) => {
        const exact = amounts.reduce((acc, a) => acc + a, 0)
        expect(sum(amounts.map(usd), 'USD').amount).toBe(exact)
      }),
    )
  })
})

describe('comparison', () => {
  it('compares and sorts', () => {
    expect(compare(usd(1), usd(2))).toBe(-1)
    expect(compare(usd(2), usd(2))).toBe(0)
    expect(compare(usd(3), usd(2))).toBe(1)
    expect([usd(3), usd(-1), usd(2)].sort(compare)).toEqual([usd(-1), usd(2), usd(3)])
  })

  it('equals needs amount and currency to match, and never throws', () => {
    expect(equals(usd(5), usd(5))).toBe(true)
    expect(equals(usd(5), usd(6))).toBe(false)
    expect(equals(usd(0), money(0, 'EUR'))).toBe(false)
  })

  it('answers sign questions', () => {
    expect([isZero(usd(0)), isNegative(usd(0)), isPositive(usd(0))]).toEqual([true, false, false])
    expect([isZero(usd(-1)), isNegative(usd(-1)), isPositive(usd(-1))]).toEqual([false, true, false])
    expect([isZero(usd(1)), isNegative(usd(1)), isPositive(usd(1))]).toEqual([false, false, true])
  })

  it('min and max pick extremes and return the earliest on a tie', () => {
    const first = usd(2)
    const second = usd(2)
    expect(min(usd(5), usd(-3), usd(4))).toEqual(usd(-3))
    expect(max(usd(5), usd(-3), usd(7))).toEqual(usd(7))
    expect(min(first, second)).toBe(first)
    expect(max(first, second)).toBe(first)
    expect(min(first)).toBe(first)
  })

  it('compare is antisymmetric', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (a, b) => {
        expect(compare(usd(a), usd(b)) + compare(usd(b), usd(a))).toBe(0)
        expect(compare(usd(a), usd(b)) === 0).toBe(equals(usd(a), usd(b)))
      }),
    )
  })
})

describe('moneySchema', () => {
  it('accepts well-formed money', () => {
    expect(moneySchema.parse({ amount: -1205, currency: 'USD' })).toEqual({ amount: -1205, currency: 'USD' })
  })

  it.each([
    { amount: 10.5, currency: 'USD' },
    { amount: 2 ** 53, currency: 'USD' },
    { amount: '100', currency: 'USD' },
    { amount: 100, currency: 'usd' },
    { amount: 100, currency: 'ZZZ' },
    { amount: 100 },
  ])('rejects %j', (input) => {
    expect(moneySchema.safeParse(input).success).toBe(false)
  })
})
