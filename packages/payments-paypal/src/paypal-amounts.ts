import {
  currencyExponent,
  fromDecimalString,
  isCurrencyCode,
  type Money,
  money,
  PaymentError,
  toDecimalString,
  ValidationError,
} from '@souk/core'

/**
 * Currencies PayPal takes with fewer decimals than ISO-4217 gives them: HUF and TWD are two-decimal
 * in ISO-4217 but PayPal refuses any fraction for them ("This currency does not support decimals",
 * https://developer.paypal.com/api/rest/reference/currency-codes/). JPY is zero-decimal in both.
 */
const PAYPAL_EXPONENTS: Readonly<Record<string, number>> = { HUF: 0, TWD: 0 }

/** PayPal's `{ currency_code, value }`, as the SDK models it. */
export interface PaypalMoney {
  readonly currencyCode: string
  readonly value: string
}

/**
 * Souk minor units → PayPal's decimal string, exactly (no float): EUR 1205 → `'12.05'`, JPY 1205 →
 * `'1205'`, KWD 1205 → `'1.205'`. Throws `ValidationError` at `${path}.amount` for a HUF or TWD
 * amount that is not whole forint / dollars, which PayPal would refuse.
 */
export function toPaypalMoney(m: Money, path = 'amount'): PaypalMoney {
  const paypalExponent = PAYPAL_EXPONENTS[m.currency]
  if (paypalExponent !== undefined) {
    const divisor = 10 ** (currencyExponent(m.currency) - paypalExponent)
    if (m.amount % divisor !== 0) {
      throw new ValidationError(`PayPal takes ${m.currency} in whole units only`, [
        { path: `${path}.amount`, message: `must be a multiple of ${divisor} for PayPal` },
      ])
    }
    return { currencyCode: m.currency, value: String(m.amount / divisor) }
  }
  return { currencyCode: m.currency, value: toDecimalString(m) }
}

/**
 * PayPal's `{ currency_code, value }` → Souk `Money`, exactly. Throws `payment.failed` for a
 * currency Souk does not know or a value that is not a plain decimal of the currency's precision
 * (PayPal never sends one; a proxy or a bug might).
 */
export function fromPaypalMoney(amount: { currencyCode?: string; value?: string } | undefined): Money {
  const currency = amount?.currencyCode ?? ''
  const value = amount?.value ?? ''
  if (!isCurrencyCode(currency)) {
    throw new PaymentError(
      'payment.failed',
      `PayPal answered in currency ${currency}, which Souk does not know`,
      {
        currency,
      },
    )
  }
  try {
    return fromDecimalString(value, currency)
  } catch (error) {
    throw new PaymentError(
      'payment.failed',
      `PayPal amount ${JSON.stringify(value)} ${currency} has no exact ISO-4217 equivalent`,
      { currency, value },
      { cause: error },
    )
  }
}

/** `{ currency_code, value }` as PayPal's JSON (webhooks) spells it → Souk `Money`. */
export function fromPaypalJsonMoney(amount: { currency_code: string; value: string }): Money {
  return fromPaypalMoney({ currencyCode: amount.currency_code, value: amount.value })
}

/** Zero in `currency`. */
export const none = (currency: string): Money => money(0, currency)
