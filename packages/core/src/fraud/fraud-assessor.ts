import type { Clock } from '../clock/clock.js'
import { ConfigError, ValidationError } from '../errors/error-classes.js'
import type { Logger } from '../logger/logger.js'
import type {
  FraudAssessment,
  FraudCheck,
  FraudCheckInput,
  FraudDecision,
  FraudReason,
  FraudVelocity,
} from '../ports/fraud-check.js'
import type { FraudStore } from '../ports/fraud-store.js'
import { worstDecision } from './default-fraud-rules.js'
import { MAX_VELOCITY_WINDOW_MS } from './fraud-schemas.js'
import { subjectDigest } from './fraud-subjects.js'

const DECISIONS: readonly FraudDecision[] = ['approve', 'review', 'reject']
const KIND = /^[A-Za-z0-9_.-]{1,50}$/

export interface FraudAssessorDeps {
  readonly checks: readonly FraudCheck[]
  readonly store: FraudStore | undefined
  readonly clock: Clock
  readonly logger: Logger
}

/** The velocity a check sees for one attempt: subjects checked, digested, then counted in storage. */
function velocityFor(store: FraudStore | undefined, attemptKey: string, at: Date): FraudVelocity {
  return {
    async record(subjects) {
      if (!store)
        throw new ConfigError('Velocity counts need a storage with `fraud` (postgresStorage has one)', [
          { path: 'storage', message: 'storage has no fraud store' },
        ])
      for (const [i, s] of subjects.entries()) {
        const bad =
          !KIND.test(s.kind) ||
          typeof s.value !== 'string' ||
          s.value.length === 0 ||
          s.value.length > 1000 ||
          !Number.isInteger(s.windowMs) ||
          s.windowMs < 1 ||
          s.windowMs > MAX_VELOCITY_WINDOW_MS
        if (bad)
          throw new ValidationError('Invalid velocity subject', [
            {
              path: `subjects.${i}`,
              message: 'kind, value (1-1000 chars) or windowMs (up to 30 days) invalid',
            },
          ])
      }
      return store.recordAttempt({
        attemptKey,
        at,
        subjects: subjects.map((s) => ({ digest: subjectDigest(s.kind, s.value), windowMs: s.windowMs })),
      })
    },
  }
}

/**
 * Runs every configured check on a checkout and combines them: any reject wins, else any review,
 * else approve; reasons are gathered from all. A check that throws or answers nonsense counts as a
 * review (reason `check.failed`) and is logged: a scoring service's outage neither blocks sales
 * nor lets them through unseen.
 */
export function createFraudAssessor(deps: FraudAssessorDeps) {
  return async function assess(input: FraudCheckInput): Promise<FraudAssessment> {
    const now = deps.clock.now()
    const context = { now, velocity: velocityFor(deps.store, input.attemptKey, now) }
    const results = await Promise.allSettled(
      deps.checks.map((check) => check.assess({ ...input, ...context })),
    )
    let decision: FraudDecision = 'approve'
    const reasons: FraudReason[] = []
    results.forEach((result, i) => {
      const check = deps.checks[i]!
      const ok =
        result.status === 'fulfilled' &&
        DECISIONS.includes(result.value?.decision) &&
        Array.isArray(result.value.reasons)
      if (!ok) {
        const error = result.status === 'rejected' ? String(result.reason) : 'answered no decision'
        deps.logger.error('fraud check failed; holding the order for review', {
          check: check.id,
          cartId: input.cartId,
          error,
        })
        decision = worstDecision(decision, 'review')
        reasons.push({ check: check.id, code: 'check.failed', message: 'The check could not decide' })
        return
      }
      const value = (result as PromiseFulfilledResult<FraudAssessment>).value
      decision = worstDecision(decision, value.decision)
      reasons.push(...value.reasons.map((r) => ({ ...r, check: r.check || check.id })))
    })
    return { decision, reasons }
  }
}

export type FraudAssessor = ReturnType<typeof createFraudAssessor>
