import { ValidationError } from '../errors/error-classes.js'
import type { CurrencyCode } from './currencies.js'
import { assertMoney, create, type Money, sum } from './money.js'
import { divideRounded, type RoundingMode } from './rounding.js'
import { toSafeNumber } from './safe-integer.js'

/**
 * A percentage held as an exact fraction in lowest terms, so no rate is ever a float:
 * `'8.875'` parses to `{ numerator: 71n, denominator: 8n }`, meaning 71/8 % (not 71/8).
 */
export interface Rate {
  /** Non-negative; at most 1000 × `denominator` (1000 %). */
  readonly numerator: bigint
  /** Positive. */
  readonly denominator: bigint
}

/** Rates above this many percent are refused: far past any real tax or fee, so almost surely a typo. */
const MAX_PERCENT = 1000n

/**
 * Rates come from configuration and admin input; capping the length keeps the bigint work trivial
 * for hostile input while leaving room for any real rate ('8.875', '0.0001').
 */
const MAX_RATE_LENGTH = 32

// Plain decimal only: no sign, no exponent ('1e1'), no bare '.5' or '5.', no spaces.
const RATE_PATTERN = /^(\d+)(?:\.(\d+))?$/

/**
 * Parses a decimal percent string (`'20'`, `'8.875'`, `'0.5'`) exactly into a {@link Rate}.
 * Throws {@link ValidationError} (path `rate`) for negatives, anything above 1000 %, exponent
 * notation, signs, whitespace, or any other non-decimal text.
 */
export function parseRate(percent: string): Rate {
  const match =
    typeof percent === 'string' && percent.length <= MAX_RATE_LENGTH ? RATE_PATTERN.exec(percent) : null
  if (!match) {
    throw invalidRate(
      `Rate must be a plain decimal percent such as '20' or '8.875', got ${JSON.stringify(percent)}`,
    )
  }
  const whole = match[1] ?? ''
  const fraction = match[2] ?? ''
  return checkRate(BigInt(whole + fraction), 10n ** BigInt(fraction.length))
}

/**
 * `m × rate / 100`, rounded once with `mode` (default `half-even`). `rate` is a percent string or a
 * parsed {@link Rate}. Throws {@link ValidationError} for a bad rate (path `rate`), a bad mode, or
 * a result past Number.MAX_SAFE_INTEGER.
 */
export function applyRate(m: Money, rate: string | Rate, mode: RoundingMode = 'half-even'): Money {
  assertMoney(m)
  const r = toRate(rate)
  const amount = divideRounded(BigInt(m.amount) * r.numerator, r.denominator * 100n, mode)
  return create(toSafeNumber(amount, 'amount'), m.currency)
}

/**
 * The tax already contained in a tax-inclusive `gross` price: `gross × r / (100 + r)`, rounded
 * once with `mode` (default `half-even`). The net price is then `subtract(gross, tax)`, which makes
 * net + tax equal gross exactly. Throws {@link ValidationError} for a bad rate (path `rate`) or mode.
 */
export function inclusiveTax(gross: Money, rate: string | Rate, mode: RoundingMode = 'half-even'): Money {
  assertMoney(gross)
  const r = toRate(rate)
  // gross × (n/d) / (100 + n/d) = gross × n / (100·d + n), one exact division.
  const amount = divideRounded(BigInt(gross.amount) * r.numerator, 100n * r.denominator + r.numerator, mode)
  return create(toSafeNumber(amount, 'amount'), gross.currency)
}

/** What {@link applyRatePerLine} returns. */
export interface RatedLines {
  /** `applyRate(line, rate, mode)` for each input line, in input order. */
  readonly lines: readonly Money[]
  /** The sum of `lines`: exactly what the document shows line by line. */
  readonly total: Money
}

/**
 * Applies `rate` to each line separately, rounding each line once with `mode` (default
 * `half-even`), and sums the rounded results.
 *
 * Why per line: invoices and receipts print the tax of every line, refunds return one line's tax at
 * a time, and the printed total has to equal the sum of the printed lines. Rounding the subtotal once
 * (`applyRate` on the sum) can differ from that by up to half a unit per line, so the two numbers on
 * one document would disagree. Use `applyRate` on the subtotal when a jurisdiction requires
 * document-level rounding instead.
 *
 * `currency` (default: the first line's) is only needed when `lines` may be empty; every line must be
 * in it. Throws {@link ValidationError} on a currency mismatch (path `currency`), a bad rate, or
 * overflow.
 */
export function applyRatePerLine(
  lines: readonly Money[],
  rate: string | Rate,
  mode: RoundingMode = 'half-even',
  currency: CurrencyCode | undefined = lines[0]?.currency,
): RatedLines {
  if (currency === undefined) {
    const message = 'currency is required when there are no lines'
    throw new ValidationError(message, [{ path: 'currency', message }])
  }
  const r = toRate(rate)
  const rated = Object.freeze(lines.map((line) => applyRate(line, r, mode)))
  return Object.freeze({ lines: rated, total: sum(rated, currency) })
}

function toRate(rate: string | Rate): Rate {
  if (typeof rate === 'string') return parseRate(rate)
  if (typeof rate !== 'object' || rate === null) {
    throw invalidRate(`Rate must be a percent string or a { numerator, denominator } object`)
  }
  return checkRate(rate.numerator, rate.denominator)
}

// Shared by parsed and caller-built rates, so a hand-made Rate meets the same limits as a string.
function checkRate(numerator: bigint, denominator: bigint): Rate {
  if (typeof numerator !== 'bigint' || typeof denominator !== 'bigint' || denominator <= 0n) {
    throw invalidRate('Rate needs a bigint numerator and a positive bigint denominator')
  }
  if (numerator < 0n) throw invalidRate('Rate must not be negative')
  if (numerator > MAX_PERCENT * denominator) throw invalidRate(`Rate must not exceed ${MAX_PERCENT}%`)
  const divisor = gcd(numerator, denominator)
  return Object.freeze({ numerator: numerator / divisor, denominator: denominator / divisor })
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a
  let y = b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

function invalidRate(message: string): ValidationError {
  return new ValidationError(message, [{ path: 'rate', message }])
}
