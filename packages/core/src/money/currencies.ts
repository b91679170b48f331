import { z } from 'zod'
import { ValidationError } from '../errors/error-classes.js'

/**
 * An ISO-4217 alphabetic currency code such as `USD`. A plain string so codes read from JSON or a
 * database need no cast; {@link isCurrencyCode} and {@link currencyCodeSchema} decide validity.
 */
export type CurrencyCode = string

/** How many minor-unit digits a currency has: 100 cents make a dollar, so USD is 2. */
export type CurrencyExponent = 0 | 2 | 3 | 4

// Whitespace-separated lists keep a 170-code table readable; the formatter would put one per line.
function words(text: string): readonly string[] {
  return text.trim().split(/\s+/)
}

/**
 * ISO-4217 minor units, grouped by exponent so the odd ones stand out. Codes whose minor unit is
 * "N.A." in ISO-4217 (XAU, XAG, XPD, XPT, XDR, XSU, XUA, XBA-XBD, XTS, XXX) are left out on purpose:
 * they have no minor unit, so they cannot be held as integer minor units.
 *
 * ANG, BGN, SLL and ZWL are being or were recently withdrawn (replaced by XCG, EUR, SLE and ZWG).
 * They stay so that orders, refunds and reports in those currencies remain representable; remove a
 * code only once no stored money can be in it.
 */
const CODES_BY_EXPONENT: Readonly<Record<CurrencyExponent, readonly string[]>> = {
  0: words('BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'),
  2: words(`
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD
    LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN
    PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL
  `),
  3: words('BHD IQD JOD KWD LYD OMR TND'),
  4: words('CLF UYW'),
}

// A Map rather than an object lookup, so inherited names such as `constructor` are never "known".
const EXPONENTS: ReadonlyMap<string, CurrencyExponent> = new Map(
  ([0, 2, 3, 4] as const).flatMap((exponent) =>
    CODES_BY_EXPONENT[exponent].map((code) => [code, exponent] as const),
  ),
)

/** Every currency code Souk accepts, sorted alphabetically. */
export const currencyCodes: readonly CurrencyCode[] = Object.freeze([...EXPONENTS.keys()].sort())

/** True when `code` is a known ISO-4217 code with a minor unit. Case-sensitive: `usd` is not a code. */
export function isCurrencyCode(code: unknown): code is CurrencyCode {
  return typeof code === 'string' && EXPONENTS.has(code)
}

/**
 * The number of minor-unit digits of `code` (USD 2, JPY 0, KWD 3, CLF 4).
 * Throws {@link ValidationError} (path `currency`) for an unknown code.
 */
export function currencyExponent(code: CurrencyCode): CurrencyExponent {
  const exponent = typeof code === 'string' ? EXPONENTS.get(code) : undefined
  if (exponent === undefined) {
    const message = `Unknown currency code ${JSON.stringify(code)}`
    throw new ValidationError(message, [{ path: 'currency', message }])
  }
  return exponent
}

/** Zod schema for a currency code: exactly three uppercase letters and a code Souk knows. */
export const currencyCodeSchema = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: 'Currency code must be three uppercase letters', abort: true })
  .refine(isCurrencyCode, { error: 'Unknown ISO-4217 currency code' })
