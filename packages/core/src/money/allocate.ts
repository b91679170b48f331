import { ValidationError } from '../errors/error-classes.js'
import { assertMoney, create, type Money } from './money.js'
import { assertSafeInteger } from './safe-integer.js'

/**
 * Splits `total` into parts proportional to `ratios` by the largest-remainder method: each part gets
 * the floor of its exact share, then the minor units left over go one each to the parts with the
 * largest remainders (ties to the earlier index).
 *
 * Guarantees: the parts sum exactly to `total`; each part is within one minor unit of its exact
 * share `total × ratio / Σratios`; a zero ratio gets exactly zero; a negative total is split as the
 * negation of splitting its absolute value, so a refund mirrors the charge it reverses.
 *
 * Throws {@link ValidationError} (path `ratios` or `ratios.<i>`) when `ratios` is empty, any ratio is
 * not a non-negative safe integer, or all ratios are zero.
 */
export function allocate(total: Money, ratios: readonly number[]): Money[] {
  assertMoney(total)
  if (!Array.isArray(ratios) || ratios.length === 0)
    throw invalid('ratios', 'ratios must be a non-empty array')
  const weights = ratios.map((ratio, index) => {
    assertSafeInteger(ratio, `ratios.${index}`)
    if (ratio < 0) throw invalid(`ratios.${index}`, `ratios.${index} must not be negative, got ${ratio}`)
    return BigInt(ratio)
  })
  // Summed as bigint: many safe-integer ratios can add up past Number.MAX_SAFE_INTEGER.
  const weightSum = weights.reduce((acc, w) => acc + w, 0n)
  if (weightSum === 0n) throw invalid('ratios', 'ratios must not all be zero')

  const sign = total.amount < 0 ? -1n : 1n
  const magnitude = BigInt(Math.abs(total.amount))
  const floors = weights.map((w) => (magnitude * w) / weightSum)
  const remainders = weights.map((w) => (magnitude * w) % weightSum)
  let leftover = magnitude - floors.reduce((acc, f) => acc + f, 0n)

  // Largest remainder first; Array.prototype.sort is stable, so equal remainders keep index order.
  const order = weights.map((_, index) => index)
  order.sort((a, b) => compareBigint(remainders[b]!, remainders[a]!))
  for (const index of order) {
    if (leftover === 0n) break
    floors[index] = floors[index]! + 1n
    leftover -= 1n
  }
  // Every part is at most |total|, so the conversion back to number is exact.
  return floors.map((part) => create(Number(sign * part), total.currency))
}

/**
 * Splits `total` into `parts` shares that differ by at most one minor unit, the larger shares first
 * (10.00 over 3 → 3.34, 3.33, 3.33). Same guarantees as {@link allocate} with equal ratios.
 * Throws {@link ValidationError} (path `parts`) unless `parts` is a positive integer that fits an
 * array length.
 */
export function allocateEvenly(total: Money, parts: number): Money[] {
  assertMoney(total)
  assertSafeInteger(parts, 'parts')
  if (parts < 1 || parts > MAX_ARRAY_LENGTH) {
    throw invalid('parts', `parts must be between 1 and ${MAX_ARRAY_LENGTH}, got ${parts}`)
  }
  // Computed directly rather than through allocate(): no ratio array, no sort.
  const magnitude = Math.abs(total.amount)
  const extra = magnitude % parts
  // An exact multiple divides exactly in floating point; Math.floor(magnitude / parts) might not.
  const base = (magnitude - extra) / parts
  const sign = total.amount < 0 ? -1 : 1
  return Array.from({ length: parts }, (_, index) =>
    create(sign * (index < extra ? base + 1 : base), total.currency),
  )
}

// The engine's limit on an array's length; a larger `parts` would be a RangeError, not a ValidationError.
const MAX_ARRAY_LENGTH = 2 ** 32 - 1

function compareBigint(a: bigint, b: bigint): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(message, [{ path, message }])
}
