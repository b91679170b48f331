import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { money } from '../money/money.js'
import type { FraudCheckContext, FraudCheckInput, VelocitySubject } from '../ports/fraud-check.js'
import { defaultFraudRules } from './default-fraud-rules.js'
import { emailVelocityKey, ipVelocityKey, normalizeIp, subjectDigest } from './fraud-subjects.js'

const input = (over: Partial<FraudCheckInput> = {}): FraudCheckInput => ({
  cartId: 'cart_1',
  orderId: 'ord_1',
  attemptKey: 'checkout:k1',
  email: 'ann@example.com',
  customerId: null,
  ip: '203.0.113.9',
  userAgent: null,
  paymentProvider: 'test',
  paymentMethod: 'pm_card_visa',
  paymentFingerprint: null,
  total: money(1000, 'USD'),
  lines: [],
  shippingAddress: null,
  billingAddress: null,
  shippingMethodId: null,
  promoCode: null,
  ...over,
})

/** Counts as storage would, in memory: each call is one more attempt for each subject. */
function memoryContext() {
  const seen = new Map<string, number>()
  const calls: VelocitySubject[][] = []
  const context: FraudCheckContext = {
    now: new Date(0),
    velocity: {
      async record(subjects) {
        calls.push([...subjects])
        return subjects.map((s) => {
          const key = `${s.kind}:${s.value}`
          seen.set(key, (seen.get(key) ?? 0) + 1)
          return seen.get(key)!
        })
      },
    },
  }
  return { context, calls }
}

describe('defaultFraudRules', () => {
  it('approves with no rules and counts nothing', async () => {
    const { context, calls } = memoryContext()
    const rules = defaultFraudRules()
    expect(rules.usesVelocity).toBe(false)
    expect(await rules.assess({ ...input(), ...context })).toEqual({ decision: 'approve', reasons: [] })
    expect(calls).toEqual([])
  })

  it('reviews and rejects by amount per currency, strictly above the limit', async () => {
    const { context } = memoryContext()
    const rules = defaultFraudRules({
      amount: { USD: { reviewAbove: 1000, rejectAbove: 5000 }, JPY: { rejectAbove: 10 } },
    })
    expect((await rules.assess({ ...input({ total: money(1000, 'USD') }), ...context })).decision).toBe(
      'approve',
    )
    expect((await rules.assess({ ...input({ total: money(1001, 'USD') }), ...context })).decision).toBe(
      'review',
    )
    const rejected = await rules.assess({ ...input({ total: money(5001, 'USD') }), ...context })
    expect(rejected.decision).toBe('reject')
    expect(rejected.reasons).toEqual([
      expect.objectContaining({ code: 'amount.reject', check: 'default-rules' }),
    ])
    expect((await rules.assess({ ...input({ total: money(11, 'JPY') }), ...context })).decision).toBe(
      'reject',
    )
    expect((await rules.assess({ ...input({ total: money(999_999, 'EUR') }), ...context })).decision).toBe(
      'approve',
    )
  })

  it('counts email, IP and card in one call; a plain number reviews above it', async () => {
    const { context, calls } = memoryContext()
    const rules = defaultFraudRules({
      velocity: { windowMs: 60_000, perEmail: 1, perIp: { reject: 2 }, perCard: 5 },
    })
    expect((await rules.assess({ ...input(), ...context })).decision).toBe('approve')
    expect((await rules.assess({ ...input(), ...context })).decision).toBe('review')
    const third = await rules.assess({ ...input(), ...context })
    expect(third.decision).toBe('reject')
    expect(third.reasons.map((r) => r.code)).toEqual(['velocity.email', 'velocity.ip'])
    expect(calls[0]).toEqual([
      { kind: 'email', value: 'ann@example.com', windowMs: 60_000 },
      { kind: 'ip', value: '203.0.113.9', windowMs: 60_000 },
      { kind: 'card', value: 'test:pm_card_visa', windowMs: 60_000 },
    ])
  })

  it('leaves out subjects the checkout does not have, and prefers the card fingerprint', async () => {
    const { context, calls } = memoryContext()
    const rules = defaultFraudRules({ velocity: { perIp: 1, perCard: 1 } })
    await rules.assess({ ...input({ ip: null, paymentFingerprint: 'fp_1' }), ...context })
    expect(calls[0]).toEqual([{ kind: 'card', value: 'test:fp_1', windowMs: 3_600_000 }])
  })

  it('refuses bad options with config.invalid', () => {
    for (const bad of [
      { velocity: { perEmail: 0 } },
      { velocity: { perEmail: { review: 5, reject: 2 } } },
      { velocity: { windowMs: 10 } },
      { amount: { usd: { reviewAbove: 1 } } },
      { amount: { USD: { reviewAbove: 10, rejectAbove: 5 } } },
      { amount: { USD: { reviewAbove: 1.5 } } },
      { unknown: true },
    ]) {
      let error: unknown
      try {
        defaultFraudRules(bad as never)
      } catch (e) {
        error = e
      }
      expect(isCommerceError(error, 'config.invalid'), JSON.stringify(bad)).toBe(true)
    }
  })
})

describe('velocity subjects', () => {
  it('normalizes IPs: mapped IPv4 unwrapped, IPv6 canonical, junk refused', () => {
    expect(normalizeIp('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(normalizeIp('::FFFF:c000:0201')).toBe('192.0.2.1')
    expect(normalizeIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1')
    expect(normalizeIp('192.0.2.1')).toBe('192.0.2.1')
    for (const junk of ['', 'localhost', '1.2.3', '300.1.1.1', '::g', '1.2.3.4/24'])
      expect(normalizeIp(junk)).toBeNull()
  })

  it('counts an IPv6 shopper by their /64, and one mailbox however it is spelt', () => {
    expect(ipVelocityKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(ipVelocityKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(ipVelocityKey('192.0.2.1')).toBe('192.0.2.1')
    expect(emailVelocityKey('Ann+shop@Example.COM')).toBe('ann@example.com')
    expect(emailVelocityKey('a.n.n+x@googlemail.com')).toBe('ann@gmail.com')
    expect(subjectDigest('email', 'a')).toMatch(/^[0-9a-f]{64}$/)
    expect(subjectDigest('email', 'a')).not.toBe(subjectDigest('ip', 'a'))
  })
})
