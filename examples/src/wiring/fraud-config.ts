import { type DefaultFraudRulesOptions, defaultFraudRules } from '@souk/core'

/**
 * The storefront's fraud rules unless FRAUD_RULES says otherwise: held for review above 1,500.00
 * and refused above 20,000.00 in USD, EUR and GBP; more than 10 checkouts from one email address
 * in 10 minutes are reviewed, more than 50 refused. Per-IP and per-card limits are off here
 * because a demo's shoppers (and its benchmark) share one address and the test card; turn them on
 * with FRAUD_RULES (docs/fraud.md).
 */
export const EXAMPLE_FRAUD_RULES: DefaultFraudRulesOptions = {
  velocity: { windowMs: 10 * 60_000, perEmail: { review: 10, reject: 50 } },
  amount: {
    USD: { reviewAbove: 150_000, rejectAbove: 2_000_000 },
    EUR: { reviewAbove: 150_000, rejectAbove: 2_000_000 },
    GBP: { reviewAbove: 150_000, rejectAbove: 2_000_000 },
  },
}

/**
 * FRAUD_RULES: unset for {@link EXAMPLE_FRAUD_RULES}, `off` for none, or the JSON of
 * `defaultFraudRules` options. Returns the options, or null for none; throws a message naming the
 * problem for anything else (the storefront refuses to start).
 */
export function readFraudRules(raw: string | undefined): DefaultFraudRulesOptions | null {
  const text = raw?.trim() ?? ''
  if (text === '') return EXAMPLE_FRAUD_RULES
  if (text === 'off') return null
  let options: unknown
  try {
    options = JSON.parse(text)
  } catch {
    throw new Error('FRAUD_RULES must be "off" or JSON of defaultFraudRules options')
  }
  // Validates now, so a typo stops the start rather than the first checkout.
  defaultFraudRules(options as DefaultFraudRulesOptions)
  return options as DefaultFraudRulesOptions
}
