import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/error-classes.js'
import { allocate, allocateEvenly } from './allocate.js'
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

const usd = (amount: number): Money => money(amount, 'USD')
const amounts = (parts: readonly Money[]): number[] => parts.map((part) => part.amount)

const total = fc.maxSafeInteger()
const ratios = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat()), { minLength: 1, maxLength: 20 })
  .filter((rs) => rs.some((r) => r > 0))

describe('allocate', () => {
  it('splits by ratio, giving leftovers to the largest remainders', () => {
    expect(amounts(allocate(usd(100), [1, 1, 1]))).toEqual([34, 33, 33])
    expect(amounts(allocate(usd(5), [1, 3]))).toEqual([1, 4]) // 1.25 and 3.75
    expect(amounts(allocate(usd(1000), [50, 30, 20]))).toEqual([500, 300, 200])
    expect(amounts(allocate(usd(7), [3, 3, 1]))).toEqual([3, 3, 1])
  })

  it('gives ties to the earlier index', () => {
    expect(amounts(allocate(usd(1), [1, 1]))).toEqual([1, 0])
    expect(amounts(allocate(usd(2), [1, 1, 1]))).toEqual([1, 1, 0])
    expect(amounts(allocate(usd(1), [0, 1, 1]))).toEqual([0, 1, 0])
  })

  it('gives zero ratios exactly zero', () => {
    expect(amounts(allocate(usd(10), [0, 1, 0]))).toEqual([0, 10, 0])
  })

  it('mirrors negative totals', () => {
    expect(amounts(allocate(usd(-100), [1, 1, 1]))).toEqual([-34, -33, -33])
    expect(allocate(usd(-1), [1, 1])).toEqual([usd(-1), usd(0)])
  })

  it('keeps the currency', () => {
    expect(allocate(money(100, 'JPY'), [1, 2])).toEqual([money(33, 'JPY'), money(67, 'JPY')])
  })

  it.each([
    [[], 'ratios'],
    [[0, 0], 'ratios'],
    [[1, -1], 'ratios.1'],
    [[1.5, 1], 'ratios.0'],
    [[2 ** 53], 'ratios.0'],
    [[Number.NaN], 'ratios.0'],
  ])('rejects ratios %j at path %s', (rs, path) => {
    expectInvalid(() => allocate(usd(100), rs), path)
  })

  it('sums exactly and keeps every part within one unit of its exact share', () => {
    fc.assert(
      fc.property(total, ratios, (t, rs) => {
        const parts = allocate(usd(t), rs)
        expect(parts).toHaveLength(rs.length)
        expect(parts.reduce((acc, p) => acc + BigInt(p.amount), 0n)).toBe(BigInt(t))
        const weightSum = rs.reduce((acc, r) => acc + BigInt(r), 0n)
        parts.forEach((part, i) => {
          // |part − t·r/S| < 1  ⇔  |part·S − t·r| < S, all in exact integers.
          const gap = BigInt(part.amount) * weightSum - BigInt(t) * BigInt(rs[i]!)
          expect(gap < weightSum && gap > -weightSum).toBe(true)
          if (rs[i] === 0) expect(part.amount).toBe(0)
          expect(part.currency).toBe('USD')
        })
      }),
      { numRuns: 500 },
    )
  })

  it('splits a negative total as the negation of the positive one', () => {
    fc.assert(
      fc.property(total, ratios, (t, rs) => {
        expect(amounts(allocate(usd(-t), rs))).toEqual(
          amounts(allocate(usd(t), rs)).map((a) => (a === 0 ? 0 : -a)),
        )
      }),
    )
  })
})

describe('allocateEvenly', () => {
  it('splits into near-equal parts, larger parts first', () => {
    expect(amounts(allocateEvenly(usd(1000), 3))).toEqual([334, 333, 333])
    expect(amounts(allocateEvenly(usd(-1000), 3))).toEqual([-334, -333, -333])
    expect(amounts(allocateEvenly(usd(2), 4))).toEqual([1, 1, 0, 0])
    expect(amounts(allocateEvenly(usd(0), 2))).toEqual([0, 0])
    expect(amounts(allocateEvenly(usd(Number.MAX_SAFE_INTEGER), 1))).toEqual([Number.MAX_SAFE_INTEGER])
  })

  it('never returns -0', () => {
    for (const part of allocateEvenly(usd(-1), 3)) expect(Object.is(part.amount, -0)).toBe(false)
  })

  it.each([0, -1, 1.5, Number.NaN, 2 ** 32])('rejects %d parts', (parts) => {
    expectInvalid(() => allocateEvenly(usd(100), parts), 'parts')
  })

  it('matches allocate with equal ratios', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 1, max: 50 }), (t, parts) => {
        expect(allocateEvenly(usd(t), parts)).toEqual(allocate(usd(t), Array(parts).fill(1)))
      }),
    )
  })
})
