import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { type Money, money } from '../money/money.js'
import { evaluatePromotion } from './evaluate-promotion.js'
import type { PromotionContext } from './promotion-schemas.js'
import type { Promotion } from './promotion-types.js'

const usd = (amount: number): Money => money(amount, 'USD')
const NOW = new Date('2030-06-15T12:00:00Z')

const base = {
  id: 'promo_1',
  code: 'SAVE',
  minSubtotal: null,
  startsAt: null,
  endsAt: null,
  usageLimit: null,
  perCustomerLimit: null,
  timesUsed: 0,
  createdAt: new Date('2030-01-01T00:00:00Z'),
}
const percent = (p: string, over: Partial<Promotion> = {}): Promotion =>
  ({ ...base, kind: 'percentage', percent: p, ...over }) as Promotion
const fixed = (amount: Money, over: Partial<Promotion> = {}): Promotion =>
  ({ ...base, kind: 'fixed', amount, ...over }) as Promotion
const freeShipping = (over: Partial<Promotion> = {}): Promotion =>
  ({ ...base, kind: 'free_shipping', ...over }) as Promotion

function cart(amounts: number[], over: Partial<PromotionContext> = {}): PromotionContext {
  return {
    currency: 'USD',
    lines: amounts.map((amount, i) => ({ id: `l${i}`, subtotal: usd(amount) })),
    shipping: usd(500),
    customerId: 'cus_1',
    now: NOW,
    ...over,
  }
}

function failure(fn: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    fn()
  } catch (error) {
    if (isCommerceError(error)) return { code: error.code, details: error.details }
    throw error
  }
  throw new TypeError('expected a CommerceError')
}

describe('evaluatePromotion', () => {
  it('takes a percentage of the subtotal and allocates it over the lines by largest remainder', () => {
    const result = evaluatePromotion(percent('10'), cart([1000, 1000, 1000, 5]))
    // 10 % of 3005 = 300.5 → 301 (half up); shares 100.1, 100.1, 100.1, 0.5 → 100, 100, 100, 1.
    expect(result.linesTotal).toEqual(usd(301))
    expect(result.lines.map((l) => l.discount.amount)).toEqual([100, 100, 100, 1])
    expect(result.shippingDiscount).toEqual(usd(0))
    expect(result.total).toEqual(usd(301))
    expect(result).toMatchObject({ promotionId: 'promo_1', code: 'SAVE', kind: 'percentage' })
  })

  it('takes a fixed amount, never more than the subtotal', () => {
    expect(evaluatePromotion(fixed(usd(999)), cart([100, 300])).lines.map((l) => l.discount.amount)).toEqual([
      100, 300,
    ])
    const split = evaluatePromotion(fixed(usd(100)), cart([1, 1, 1]))
    expect(split.linesTotal).toEqual(usd(3))
    const three = evaluatePromotion(fixed(usd(100)), cart([100, 100, 100]))
    expect(three.lines.map((l) => l.discount.amount)).toEqual([34, 33, 33])
  })

  it('makes shipping free and leaves lines alone', () => {
    const result = evaluatePromotion(freeShipping(), cart([1000]))
    expect(result.shippingDiscount).toEqual(usd(500))
    expect(result.lines[0]?.discount).toEqual(usd(0))
    expect(result.total).toEqual(usd(500))
    expect(evaluatePromotion(freeShipping(), cart([1000], { shipping: null })).total).toEqual(usd(0))
  })

  it('gives zero-priced lines and empty carts nothing', () => {
    expect(evaluatePromotion(percent('50'), cart([0, 0])).lines.map((l) => l.discount.amount)).toEqual([0, 0])
    expect(evaluatePromotion(fixed(usd(500)), cart([])).total).toEqual(usd(0))
    expect(evaluatePromotion(percent('100'), cart([0, 700])).lines.map((l) => l.discount.amount)).toEqual([
      0, 700,
    ])
  })

  it('checks the validity window, end exclusive', () => {
    const window = { startsAt: new Date('2030-06-15T12:00:01Z'), endsAt: new Date('2030-07-01T00:00:00Z') }
    expect(failure(() => evaluatePromotion(percent('10', window), cart([100]))).code).toBe(
      'promotion.not_yet_valid',
    )
    expect(
      failure(() =>
        evaluatePromotion(percent('10', window), cart([100], { now: new Date('2030-07-01T00:00:00Z') })),
      ).code,
    ).toBe('promotion.expired')
    expect(
      evaluatePromotion(percent('10', window), cart([100], { now: new Date('2030-06-30T23:59:59Z') })).total,
    ).toEqual(usd(10))
  })

  it('checks the minimum subtotal before discounts', () => {
    const promo = percent('10', { minSubtotal: usd(1000) })
    const short = failure(() => evaluatePromotion(promo, cart([600, 399])))
    expect(short.code).toBe('promotion.minimum_not_met')
    expect(short.details).toMatchObject({ minimum: usd(1000), subtotal: usd(999) })
    expect(evaluatePromotion(promo, cart([600, 400])).total).toEqual(usd(100))
  })

  it('ties fixed amounts and minimums to their currency', () => {
    const eurCart = cart([], { currency: 'EUR', shipping: null })
    expect(failure(() => evaluatePromotion(fixed(usd(100)), eurCart)).details.reason).toBe(
      'currency_mismatch',
    )
    expect(
      failure(() => evaluatePromotion(freeShipping({ minSubtotal: usd(1) }), eurCart)).details.reason,
    ).toBe('currency_mismatch')
    expect(evaluatePromotion(percent('10'), eurCart).total).toEqual(money(0, 'EUR'))
  })

  it('reports used-up codes, in total and per customer, and refuses guests on per-customer codes', () => {
    expect(
      failure(() => evaluatePromotion(percent('10', { usageLimit: 3, timesUsed: 3 }), cart([100]))).details,
    ).toMatchObject({
      limit: 'total',
    })
    const perCustomer = percent('10', { perCustomerLimit: 1 })
    expect(
      failure(() => evaluatePromotion(perCustomer, cart([100], { customerId: null }))).details.reason,
    ).toBe('customer_required')
    const used = failure(() => evaluatePromotion(perCustomer, cart([100], { customerRedemptions: 1 })))
    expect(used).toMatchObject({ code: 'promotion.exhausted', details: { limit: 'per_customer' } })
    expect(evaluatePromotion(perCustomer, cart([100], { customerRedemptions: 0 })).total).toEqual(usd(10))
  })

  it.each([
    ['mixed currencies', cart([100], { lines: [{ id: 'a', subtotal: money(1, 'EUR') }] })],
    [
      'duplicate line ids',
      cart([], {
        lines: [
          { id: 'a', subtotal: usd(1) },
          { id: 'a', subtotal: usd(2) },
        ],
      }),
    ],
    ['a negative subtotal', cart([], { lines: [{ id: 'a', subtotal: { amount: -5, currency: 'USD' } }] })],
    ['a float subtotal', cart([], { lines: [{ id: 'a', subtotal: { amount: 0.5, currency: 'USD' } }] })],
    ['no clock', { ...cart([100]), now: undefined } as unknown as PromotionContext],
  ])('rejects %s with validation.failed', (_label, context) => {
    expect(failure(() => evaluatePromotion(percent('10'), context)).code).toBe('validation.failed')
  })

  it('rejects a malformed promotion', () => {
    expect(failure(() => evaluatePromotion(percent('0'), cart([100]))).code).toBe('validation.failed')
    expect(failure(() => evaluatePromotion(percent('100.5'), cart([100]))).code).toBe('validation.failed')
    expect(failure(() => evaluatePromotion(fixed({ amount: 1.5, currency: 'USD' }), cart([100]))).code).toBe(
      'validation.failed',
    )
  })
})
