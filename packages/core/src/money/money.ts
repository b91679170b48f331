import { z } from 'zod'
import { ValidationError } from '../errors/error-classes.js'
import { type CurrencyCode, currencyCodeSchema, currencyExponent } from './currencies.js'
import { assertSafeInteger, toSafeNumber } from './safe-integer.js'

/**
 * An amount of money: integer minor units (cents for USD, yen for JPY, fils for KWD) in one
 * ISO-4217 currency. Never a float, never major units; see `toDecimalString` for display.
 */
export interface Money {
  /** Integer minor units within ±Number.MAX_SAFE_INTEGER; negative for refunds and discounts. */
  readonly amount: number
  /** ISO-4217 code; its exponent says how many minor units make one major unit. */
  readonly currency: CurrencyCode
}

/**
 * Builds a frozen {@link Money}. Throws {@link ValidationError} (code `validation.failed`) when
 * `currency` is unknown (path `currency`) or `amount` is not a safe integer (path `amount`), so
 * `money(10.5, 'USD')` or `money(0.1 + 0.2, 'USD')` fail loudly instead of drifting.
 */
export function money(amount: number, currency: CurrencyCode): Money {
  currencyExponent(currency)
  assertSafeInteger(amount, 'amount')
  return create(amount, currency)
}

/** Zero minor units of `currency`; the starting point of a sum. Throws for an unknown currency. */
export function zero(currency: CurrencyCode): Money {
  return money(0, currency)
}

/** `a + b`. Throws {@link ValidationError} on a currency mismatch (path `currency`) or overflow. */
export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b)
  return create(toSafeNumber(BigInt(a.amount) + BigInt(b.amount), 'amount'), a.currency)
}

/** `a - b`. Throws {@link ValidationError} on a currency mismatch (path `currency`) or overflow. */
export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b)
  return create(toSafeNumber(BigInt(a.amount) - BigInt(b.amount), 'amount'), a.currency)
}

/**
 * `m × quantity` for an integer quantity (a line of 3 items). For fractional factors use
 * `applyRate`, which rounds explicitly. Throws {@link ValidationError} when `quantity` is not a safe
 * integer (path `quantity`) or the product overflows.
 */
export function multiply(m: Money, quantity: number): Money {
  assertMoney(m)
  assertSafeInteger(quantity, 'quantity')
  return create(toSafeNumber(BigInt(m.amount) * BigInt(quantity), 'amount'), m.currency)
}

/** `-m`; a refund of `m`. Never returns `-0`. */
export function negate(m: Money): Money {
  assertMoney(m)
  return create(-m.amount, m.currency)
}

/**
 * Adds every item. `currency` is required so that an empty list still has an answer (zero in that
 * currency), and every item must be in it. The running total is exact (bigint), so only the final
 * result has to fit in a safe integer.
 */
export function sum(items: Iterable<Money>, currency: CurrencyCode): Money {
  currencyExponent(currency)
  let total = 0n
  let index = 0
  for (const item of items) {
    assertMoney(item)
    if (item.currency !== currency) throw mismatch(currency, item.currency, `item ${index}`)
    total += BigInt(item.amount)
    index += 1
  }
  return create(toSafeNumber(total, 'amount'), currency)
}

/**
 * Orders two amounts of the same currency: -1 when `a < b`, 0 when equal, 1 when `a > b`.
 * Usable as an `Array.prototype.sort` comparator. Throws on a currency mismatch (path `currency`).
 */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b)
  if (a.amount < b.amount) return -1
  return a.amount > b.amount ? 1 : 0
}

/** True when both the amount and the currency match; different currencies are simply unequal. */
export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount
}

/** True when the amount is 0. */
export function isZero(m: Money): boolean {
  return m.amount === 0
}

/** True when the amount is below 0. */
export function isNegative(m: Money): boolean {
  return m.amount < 0
}

/** True when the amount is above 0. */
export function isPositive(m: Money): boolean {
  return m.amount > 0
}

/** The smallest of one or more amounts of one currency; on a tie, the earliest argument. */
export function min(first: Money, ...rest: readonly Money[]): Money {
  return rest.reduce((best, m) => (compare(m, best) < 0 ? m : best), checked(first))
}

/** The largest of one or more amounts of one currency; on a tie, the earliest argument. */
export function max(first: Money, ...rest: readonly Money[]): Money {
  return rest.reduce((best, m) => (compare(m, best) > 0 ? m : best), checked(first))
}

/**
 * Zod schema for {@link Money} at HTTP and storage boundaries: `amount` a safe integer (zod 4's
 * `.int()` already refuses anything past Number.MAX_SAFE_INTEGER) and `currency` a known code.
 */
export const moneySchema = z.object({
  amount: z.number().int(),
  currency: currencyCodeSchema,
})

/**
 * Throws {@link ValidationError} unless `m` is a well-formed Money. Operands are re-checked because
 * a Money can arrive as a plain object literal or parsed JSON without passing through `money()`.
 * @internal Used by the other money files; not re-exported from the package.
 */
export function assertMoney(m: Money): void {
  currencyExponent(m.currency)
  assertSafeInteger(m.amount, 'amount')
}

// Throws a ValidationError (path `currency`) unless both are well-formed and share a currency.
function assertSameCurrency(a: Money, b: Money): void {
  assertMoney(a)
  assertMoney(b)
  if (a.currency !== b.currency) throw mismatch(a.currency, b.currency, 'the second amount')
}

/**
 * A frozen Money from an amount already known to be a safe integer; turns `-0` into `0` so that
 * `negate(zero('USD'))` equals `zero('USD')` under `Object.is` (and vitest's `toEqual`).
 * @internal Used by the other money files; not re-exported from the package.
 */
export function create(amount: number, currency: CurrencyCode): Money {
  return Object.freeze({ amount: amount === 0 ? 0 : amount, currency })
}

function checked(m: Money): Money {
  assertMoney(m)
  return m
}

function mismatch(expected: CurrencyCode, actual: CurrencyCode, what: string): ValidationError {
  const message = `Currency mismatch: expected ${expected}, but ${what} is in ${actual}`
  return new ValidationError(message, [{ path: 'currency', message }])
}
