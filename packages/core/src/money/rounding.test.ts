import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/error-classes.js'
import { divideRounded, type RoundingMode, roundingModeSchema, roundingModes } from './rounding.js'

function thrown(fn: () => unknown): ValidationError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new ValidationError('expected the call to throw', [])
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x)

/**
 * A deliberately different formulation: take the two integers around the exact quotient (floor and
 * floor + 1), measure the distance of each from n/d exactly (scaled by |d|), and pick by the rule.
 */
function reference(n: bigint, d: bigint, mode: RoundingMode): bigint {
  let floor = n / d
  if (n % d !== 0n && n < 0n !== d < 0n) floor -= 1n
  const ceil = floor + 1n
  if (floor * d === n) return floor
  const toward = abs(floor) < abs(ceil) ? floor : ceil
  const away = toward === floor ? ceil : floor
  const distance = (q: bigint): bigint => abs(n - q * d)
  if (mode === 'down') return toward
  if (mode === 'up') return away
  if (distance(floor) < distance(ceil)) return floor
  if (distance(ceil) < distance(floor)) return ceil
  if (mode === 'half-up') return away
  if (mode === 'half-down') return toward
  return floor % 2n === 0n ? floor : ceil
}

describe('divideRounded', () => {
  // The classic table (java.math.RoundingMode's documentation), as tenths over 10.
  const table: ReadonlyArray<readonly [number, Record<RoundingMode, number>]> = [
    [55, { up: 6, down: 5, 'half-up': 6, 'half-down': 5, 'half-even': 6 }],
    [25, { up: 3, down: 2, 'half-up': 3, 'half-down': 2, 'half-even': 2 }],
    [16, { up: 2, down: 1, 'half-up': 2, 'half-down': 2, 'half-even': 2 }],
    [11, { up: 2, down: 1, 'half-up': 1, 'half-down': 1, 'half-even': 1 }],
    [10, { up: 1, down: 1, 'half-up': 1, 'half-down': 1, 'half-even': 1 }],
    [0, { up: 0, down: 0, 'half-up': 0, 'half-down': 0, 'half-even': 0 }],
    [-10, { up: -1, down: -1, 'half-up': -1, 'half-down': -1, 'half-even': -1 }],
    [-11, { up: -2, down: -1, 'half-up': -1, 'half-down': -1, 'half-even': -1 }],
    [-16, { up: -2, down: -1, 'half-up': -2, 'half-down': -2, 'half-even': -2 }],
    [-25, { up: -3, down: -2, 'half-up': -3, 'half-down': -2, 'half-even': -2 }],
    [-55, { up: -6, down: -5, 'half-up': -6, 'half-down': -5, 'half-even': -6 }],
  ]

  for (const [tenths, expected] of table) {
    for (const mode of roundingModes) {
      it(`${tenths / 10} rounds ${mode} to ${expected[mode]}`, () => {
        expect(divideRounded(BigInt(tenths), 10n, mode)).toBe(BigInt(expected[mode]))
        // A negative divisor flips the sign of the result and nothing else.
        expect(divideRounded(BigInt(-tenths), -10n, mode)).toBe(BigInt(expected[mode]))
      })
    }
  }

  it('breaks exact .5 ties by the mode, for any magnitude and sign', () => {
    fc.assert(
      fc.property(
        fc.bigInt(-(10n ** 30n), 10n ** 30n),
        fc.bigInt(1n, 10n ** 12n),
        fc.constantFrom(...roundingModes),
        (q, half, mode) => {
          // (q + 1/2) exactly: numerator (2q + 1)·half over 2·half.
          const n = (2n * q + 1n) * half
          const d = 2n * half
          const result = divideRounded(n, d, mode)
          expect(result).toBe(reference(n, d, mode))
          expect(result === q || result === q + 1n).toBe(true)
        },
      ),
    )
  })

  it('agrees with the slow reference for every mode, including negatives', () => {
    fc.assert(
      fc.property(
        fc.bigInt(-(10n ** 24n), 10n ** 24n),
        fc.bigInt(-(10n ** 12n), 10n ** 12n).filter((d) => d !== 0n),
        fc.constantFrom(...roundingModes),
        (n, d, mode) => {
          expect(divideRounded(n, d, mode)).toBe(reference(n, d, mode))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('agrees with the reference on small numbers, where ties are common', () => {
    fc.assert(
      fc.property(
        fc.bigInt(-50n, 50n),
        fc.bigInt(-8n, 8n).filter((d) => d !== 0n),
        fc.constantFrom(...roundingModes),
        (n, d, mode) => {
          expect(divideRounded(n, d, mode)).toBe(reference(n, d, mode))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('is symmetric around zero', () => {
    fc.assert(
      fc.property(
        fc.bigInt(-(10n ** 20n), 10n ** 20n),
        fc.bigInt(1n, 10n ** 6n),
        fc.constantFrom(...roundingModes),
        (n, d, mode) => {
          expect(divideRounded(-n, d, mode)).toBe(-divideRounded(n, d, mode))
        },
      ),
    )
  })

  it('throws a ValidationError on a zero denominator', () => {
    const error = thrown(() => divideRounded(1n, 0n, 'half-even'))
    expect(error.code).toBe('validation.failed')
    expect(error.details.issues[0]?.path).toBe('denominator')
  })

  it('throws a ValidationError on an unknown mode, even when the division is exact', () => {
    const error = thrown(() => divideRounded(10n, 5n, 'ceiling' as RoundingMode))
    expect(error.details.issues[0]?.path).toBe('mode')
  })
})

describe('roundingModeSchema', () => {
  it('accepts every mode and nothing else', () => {
    for (const mode of roundingModes) expect(roundingModeSchema.parse(mode)).toBe(mode)
    expect(roundingModeSchema.safeParse('half_up').success).toBe(false)
  })
})
