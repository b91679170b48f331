import { ValidationError } from '../errors/error-classes.js'

/**
 * Internal guards shared by the money module; not part of the public API.
 *
 * Amounts are JavaScript numbers, which are exact only up to Number.MAX_SAFE_INTEGER. Every amount
 * that enters or leaves the module passes through one of these, so a float or an out-of-range
 * integer is a ValidationError at the boundary instead of a silently wrong total later.
 */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** Throws a ValidationError (at `path`) unless `value` is a safe integer. */
export function assertSafeInteger(value: unknown, path: string): asserts value is number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return
  const message = `${path} must be a safe integer (minor units), got ${describe(value)}`
  throw new ValidationError(message, [{ path, message }])
}

/**
 * Converts an exact bigint result back to a number, throwing a ValidationError (at `path`) when it
 * falls outside ±Number.MAX_SAFE_INTEGER. `-0` never comes out, so results compare equal to `0`.
 */
export function toSafeNumber(value: bigint, path: string): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) {
    const message = `${path} overflows Number.MAX_SAFE_INTEGER: ${value}`
    throw new ValidationError(message, [{ path, message }])
  }
  return Number(value)
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'string') return JSON.stringify(value)
  return typeof value
}
