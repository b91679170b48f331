import type {
  FraudAssessment,
  FraudCheck,
  FraudDecision,
  FraudReason,
  VelocitySubject,
} from '../ports/fraud-check.js'
import { parseConfig } from '../validation/parse-config.js'
import { type DefaultFraudRulesOptions, defaultFraudRulesSchema } from './fraud-schemas.js'
import { emailVelocityKey, ipVelocityKey } from './fraud-subjects.js'

const ID = 'default-rules'
const RANK: Record<FraudDecision, number> = { approve: 0, review: 1, reject: 2 }

/** The stronger of two decisions: reject over review over approve. */
export function worstDecision(a: FraudDecision, b: FraudDecision): FraudDecision {
  return RANK[a] >= RANK[b] ? a : b
}

/**
 * Souk's default fraud rules, as one {@link FraudCheck}:
 *
 * - **velocity**: checkout attempts (one per idempotency key, counted whatever becomes of them) per
 *   email, per IP and per card in a sliding window, counted durably in storage and race-safely:
 *   with `perEmail: 3`, the 4th attempt in the window is held for review, however many race.
 * - **amount**: order totals above `reviewAbove` are held for review, above `rejectAbove` rejected,
 *   per currency (minor units); currencies not listed are not limited.
 *
 * Throws `config.invalid` for bad options.
 */
export function defaultFraudRules(options: DefaultFraudRulesOptions = {}): FraudCheck {
  const rules = parseConfig(defaultFraudRulesSchema, options, 'defaultFraudRules options')
  const velocity = rules.velocity
  const counting = velocity && (velocity.perEmail || velocity.perIp || velocity.perCard)

  return {
    id: ID,
    usesVelocity: Boolean(counting),
    async assess(input): Promise<FraudAssessment> {
      let decision: FraudDecision = 'approve'
      const reasons: FraudReason[] = []
      const note = (d: FraudDecision, code: string, message: string, details: Record<string, unknown>) => {
        decision = worstDecision(decision, d)
        reasons.push({ check: ID, code, message, details })
      }

      const limits = rules.amount?.[input.total.currency]
      const total = input.total.amount
      if (limits?.rejectAbove !== undefined && total > limits.rejectAbove) {
        note('reject', 'amount.reject', `Total is above ${limits.rejectAbove} ${input.total.currency}`, {
          total,
          limit: limits.rejectAbove,
          currency: input.total.currency,
        })
      } else if (limits?.reviewAbove !== undefined && total > limits.reviewAbove) {
        note('review', 'amount.review', `Total is above ${limits.reviewAbove} ${input.total.currency}`, {
          total,
          limit: limits.reviewAbove,
          currency: input.total.currency,
        })
      }

      if (velocity && counting) {
        const card = input.paymentFingerprint ?? input.paymentMethod
        const candidates = [
          { name: 'email', limit: velocity.perEmail, value: emailVelocityKey(input.email) },
          { name: 'ip', limit: velocity.perIp, value: input.ip === null ? null : ipVelocityKey(input.ip) },
          {
            name: 'card',
            limit: velocity.perCard,
            value: card === null ? null : `${input.paymentProvider ?? ''}:${card}`,
          },
        ]
        const counted = candidates.filter(
          (c): c is typeof c & { value: string; limit: { review?: number; reject?: number } } =>
            c.limit !== undefined && c.value !== null,
        )
        const subjects: VelocitySubject[] = counted.map((c) => ({
          kind: c.name,
          value: c.value,
          windowMs: velocity.windowMs,
        }))
        const counts = subjects.length > 0 ? await input.velocity.record(subjects) : []
        counted.forEach((c, i) => {
          const n = counts[i] ?? 0
          const details = { count: n, windowMs: velocity.windowMs }
          if (c.limit.reject !== undefined && n > c.limit.reject)
            note('reject', `velocity.${c.name}`, `${n} checkouts per ${c.name} in the window`, {
              ...details,
              limit: c.limit.reject,
            })
          else if (c.limit.review !== undefined && n > c.limit.review)
            note('review', `velocity.${c.name}`, `${n} checkouts per ${c.name} in the window`, {
              ...details,
              limit: c.limit.review,
            })
        })
      }
      return { decision, reasons }
    },
  }
}
