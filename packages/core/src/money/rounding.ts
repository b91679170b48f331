import { z } from 'zod'
import { ValidationError } from '../errors/error-classes.js'

/**
 * How a result between two minor units is rounded. Every mode is symmetric around zero, so a
 * refund rounds to exactly the negation of the matching charge.
 *
 * - `half-even`: to the nearest; ties to the even neighbour (banker's rounding, no upward bias over
 *   many roundings). Souk's default.
 * - `half-up`: to the nearest; ties away from zero (2.5 → 3, -2.5 → -3), the "school" rule.
 * - `half-down`: to the nearest; ties toward zero (2.5 → 2, -2.5 → -2).
 * - `up`: away from zero (2.1 → 3, -2.1 → -3).
 * - `down`: toward zero, i.e. truncation (2.9 → 2, -2.9 → -2).
 */
export type RoundingMode = 'half-even' | 'half-up' | 'half-down' | 'up' | 'down'

/** Every {@link RoundingMode}, for config validation and exhaustive tests. */
export const roundingModes = Object.freeze([
  'half-even',
  'half-up',
  'half-down',
  'up',
  'down',
] as const satisfies readonly RoundingMode[])

/** Zod schema for a {@link RoundingMode}, for config and HTTP input. */
export const roundingModeSchema = z.enum(roundingModes)

/**
 * `numerator / denominator` rounded to an integer with `mode`, exactly: bigint throughout, so there
 * is no float step and no size limit. Signs of either argument are handled, and ties are detected
 * exactly (`2 × remainder = divisor`), not by comparing against 0.5.
 *
 * Throws {@link ValidationError} when `denominator` is 0 (path `denominator`) or `mode` is not a
 * {@link RoundingMode} (path `mode`).
 */
export function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator === 0n) {
    const message = 'Cannot divide by zero'
    throw new ValidationError(message, [{ path: 'denominator', message }])
  }
  // Checked up front so a bad mode fails even on inputs that happen to divide exactly.
  assertMode(mode)
  // Make the divisor positive so that the sign of the quotient is the sign of `n` alone.
  const n = denominator < 0n ? -numerator : numerator
  const d = denominator < 0n ? -denominator : denominator
  // bigint division truncates toward zero, so `quotient` is already the `down` answer and
  // `remainder` has the sign of `n`.
  const quotient = n / d
  const remainder = n % d
  if (remainder === 0n) return quotient
  const awayFromZero = quotient + (n < 0n ? -1n : 1n)
  const twice = 2n * (remainder < 0n ? -remainder : remainder)
  switch (mode) {
    case 'down':
      return quotient
    case 'up':
      return awayFromZero
    case 'half-up':
      return twice >= d ? awayFromZero : quotient
    case 'half-down':
      return twice > d ? awayFromZero : quotient
    case 'half-even':
      if (twice !== d) return twice > d ? awayFromZero : quotient
      return quotient % 2n === 0n ? quotient : awayFromZero
    default:
      return unknownMode(mode satisfies never)
  }
}

function assertMode(mode: RoundingMode): void {
  if (!(roundingModes as readonly string[]).includes(mode)) unknownMode(mode)
}

// Reached only from untyped callers (plain JS, unvalidated config); TypeScript callers cannot get here.
function unknownMode(mode: unknown): never {
  const message = `Unknown rounding mode ${JSON.stringify(mode)}; expected one of ${roundingModes.join(', ')}`
  throw new ValidationError(message, [{ path: 'mode', message }])
}
