import {
  currencyExponent,
  isCurrencyCode,
  type Money,
  money,
  PaymentError,
  ValidationError,
} from '@souk/core'

// Where Stripe's minor unit differs from ISO-4217's. Souk holds ISO minor units; Stripe's API wants
// its own: MGA is zero-decimal at Stripe (ISO: 2); ISK is sent as a two-decimal amount whose
// decimals are always 00 (ISO: 0). https://docs.stripe.com/currencies#zero-decimal
const STRIPE_EXPONENTS: Readonly<Record<string, number>> = { MGA: 0, ISK: 2 }

function shift(currency: string): number {
  return (STRIPE_EXPONENTS[currency] ?? currencyExponent(currency)) - currencyExponent(currency)
}

/** Souk minor units → Stripe's `amount` integer. Throws `ValidationError` when Stripe cannot hold the amount exactly. */
export function toStripeAmount(m: Money, path = 'amount'): number {
  const by = shift(m.currency)
  if (by >= 0) {
    const amount = m.amount * 10 ** by
    if (!Number.isSafeInteger(amount)) {
      throw new ValidationError(`${m.amount} ${m.currency} is too large for Stripe`, [
        { path: `${path}.amount`, message: 'too large' },
      ])
    }
    return amount
  }
  const divisor = 10 ** -by
  if (m.amount % divisor !== 0) {
    throw new ValidationError(`Stripe charges ${m.currency} in whole units only`, [
      { path: `${path}.amount`, message: `must be a multiple of ${divisor} for Stripe` },
    ])
  }
  return m.amount / divisor
}

/** Stripe's lower-case currency → Souk's code. Throws `payment.failed` for a currency Souk does not know. */
export function fromStripeCurrency(currency: string): string {
  const code = currency.toUpperCase()
  if (!isCurrencyCode(code)) {
    throw new PaymentError(
      'payment.failed',
      `Stripe answered in currency ${currency}, which Souk does not know`,
      {
        currency,
      },
    )
  }
  return code
}

/** Stripe's `amount` integer → Souk `Money`. Throws `payment.failed` if it has no exact Souk equivalent. */
export function fromStripeAmount(amount: number, currency: string): Money {
  const by = shift(currency)
  if (by <= 0) return money(amount * 10 ** -by, currency)
  const divisor = 10 ** by
  if (amount % divisor !== 0) {
    throw new PaymentError(
      'payment.failed',
      `Stripe amount ${amount} ${currency} has no exact ISO-4217 equivalent`,
      {
        amount,
        currency,
      },
    )
  }
  return money(amount / divisor, currency)
}
