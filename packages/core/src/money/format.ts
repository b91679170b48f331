import { ValidationError } from '../errors/error-classes.js'
import { type CurrencyCode, currencyExponent } from './currencies.js'
import { assertMoney, create, type Money } from './money.js'
import { toSafeNumber } from './safe-integer.js'

/**
 * Major units as an exact decimal string with exactly the currency's exponent of fraction digits:
 * USD -1205 → `'-12.05'`, JPY 1205 → `'1205'`, KWD 1205 → `'1.205'`. No float is involved, so this
 * is the form to store in text, send over the wire, or hand to a payment provider that wants majors.
 */
export function toDecimalString(m: Money): string {
  assertMoney(m)
  const exponent = currencyExponent(m.currency)
  const sign = m.amount < 0 ? '-' : ''
  // A safe integer always prints as plain digits (exponent notation starts at 1e21).
  const digits = String(Math.abs(m.amount))
  if (exponent === 0) return sign + digits
  const padded = digits.padStart(exponent + 1, '0')
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`
}

/** Longer text cannot be a sensible amount; the cap keeps bigint parsing of hostile input trivial. */
const MAX_DECIMAL_LENGTH = 64

// Optional minus, digits, optional fraction: no '+', no exponent, no grouping, no bare '.5' or '5.'.
const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/

/**
 * Parses a decimal string in major units (`'12.05'`, `'-3'`, `'1.205'`) exactly into {@link Money},
 * the inverse of {@link toDecimalString}. Fewer fraction digits than the exponent are fine (`'12.5'`
 * USD → 1250); more are refused rather than rounded (`'12.345'` USD, `'12.0'` JPY), as are
 * exponent notation, signs other than a leading `-`, grouping separators and whitespace.
 *
 * Throws {@link ValidationError}: path `currency` for an unknown currency, path `amount` for bad
 * text, too many fraction digits, or a value past Number.MAX_SAFE_INTEGER minor units.
 */
export function fromDecimalString(text: string, currency: CurrencyCode): Money {
  const exponent = currencyExponent(currency)
  const match =
    typeof text === 'string' && text.length <= MAX_DECIMAL_LENGTH ? DECIMAL_PATTERN.exec(text) : null
  if (!match) {
    throw invalidAmount(`Amount must be a plain decimal such as '12.05', got ${JSON.stringify(text)}`)
  }
  const negative = match[1] === '-'
  const whole = match[2] ?? ''
  const fraction = match[3] ?? ''
  if (fraction.length > exponent) {
    throw invalidAmount(
      `${currency} allows ${exponent} fraction digits; ${JSON.stringify(text)} has ${fraction.length}`,
    )
  }
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'))
  return create(toSafeNumber(negative ? -minor : minor, 'amount'), currency)
}

/**
 * Formats `m` for display in `locale` (default `'en-US'`) with Intl.NumberFormat's currency style,
 * e.g. `'$1,234.05'`, `'-¥1,205'`, `'1.234,05 €'` for `de-DE`. Display only: never parse the result.
 *
 * Always shows exactly the ISO-4217 exponent of fraction digits, even where the locale's custom is
 * fewer (CLDR shows IQD with none), because the amount is exact and the display must not round it.
 * No float is involved either: Intl.NumberFormat (Node ≥ 20) formats the exact decimal string from
 * {@link toDecimalString}. Throws {@link ValidationError} (path `locale`) for a malformed locale tag.
 */
export function formatMoney(m: Money, locale = 'en-US'): string {
  const exponent = currencyExponent(m.currency)
  let formatter: Intl.NumberFormat
  try {
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: m.currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    })
  } catch (cause) {
    const message = `Invalid locale ${JSON.stringify(locale)}`
    throw new ValidationError(message, [{ path: 'locale', message }], { cause })
  }
  // toDecimalString yields '-?digits(.digits)?', a numeric literal, which Intl formats without a float.
  return formatter.format(toDecimalString(m) as `${number}`)
}

function invalidAmount(message: string): ValidationError {
  return new ValidationError(message, [{ path: 'amount', message }])
}
