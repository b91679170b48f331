import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { type Money, min, money } from '../money/money.js'
import { applyRate, inclusiveTax } from '../money/rate.js'
import { type RoundingMode, roundingModes } from '../money/rounding.js'
import type { TaxCalculator, TaxResult } from '../ports/tax-calculator.js'
import { PERCENT_DISCOUNT_ROUNDING } from '../promotions/evaluate-promotion.js'
import type { Promotion } from '../promotions/promotion-types.js'
import { createRegionTaxCalculator } from '../tax/region-tax-calculator.js'
import { calculateTotals, computeTotals, taxRequestFor } from './compute-totals.js'
import type { TotalsInput } from './totals-schemas.js'
import type { Totals } from './totals-types.js'

const NOW = new Date('2030-06-15T12:00:00Z')
const usd = (amount: number): Money => money(amount, 'USD')
const eur = (amount: number): Money => money(amount, 'EUR')

const promoBase = {
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

function failure(fn: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    fn()
  } catch (error) {
    if (isCommerceError(error)) return { code: error.code, details: error.details }
    throw error
  }
  throw new TypeError('expected a CommerceError')
}

/** Every `amount` anywhere in the totals, with its path, so "no float ever" can be checked. */
function amounts(value: unknown, path = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object' || value instanceof Date) return []
  const entries = Object.entries(value as Record<string, unknown>)
  return entries.flatMap(([key, v]) =>
    key === 'amount' ? [[`${path}.${key}`, v] as [string, unknown]] : amounts(v, `${path}.${key}`),
  )
}

const sumOf = (ms: readonly Money[]) => ms.reduce((acc, m) => acc + m.amount, 0)

describe('computeTotals', () => {
  it('prices a cart like a receipt: discount, shipping and exclusive tax per line', () => {
    const tax = createRegionTaxCalculator({ rates: [{ country: 'US', region: 'NY', rate: '8.875' }] })
    const totals = computeTotals({
      currency: 'USD',
      lines: [
        { id: 'tee', unitPrice: usd(1999), quantity: 3 },
        { id: 'cap', unitPrice: usd(1250), quantity: 1 },
      ],
      promotion: { ...promoBase, kind: 'percentage', percent: '10' },
      now: NOW,
      shippingRate: usd(599),
      destination: { country: 'US', region: 'NY' },
      tax: tax.calculateSync,
    })
    // subtotal 5997 + 1250 = 7247; 10 % = 724.7 → 725, split 599.9… / 125.0… → 600 / 125.
    expect(totals.subtotal).toEqual(usd(7247))
    expect(totals.lines.map((l) => l.discount.amount)).toEqual([600, 125])
    // tax: 5397 × 8.875 % = 478.98 → 479; 1125 → 99.84 → 100; shipping 599 → 53.16 → 53.
    expect(totals.lines.map((l) => l.tax.amount)).toEqual([479, 100])
    expect(totals.shippingTax).toEqual(usd(53))
    expect(totals.lines.map((l) => l.total.amount)).toEqual([5876, 1225])
    expect(totals).toMatchObject({
      discountTotal: usd(725),
      shippingTotal: usd(599),
      shippingDiscount: usd(0),
      taxTotal: usd(632),
      total: usd(7753),
      itemCount: 4,
      taxInclusive: false,
    })
    expect(totals.promotion?.code).toBe('SAVE')
  })

  it('keeps tax inside inclusive prices and does not add it to the total', () => {
    const tax = createRegionTaxCalculator({ rates: [{ country: 'DE', rate: '19' }] })
    const totals = computeTotals({
      currency: 'EUR',
      lines: [{ id: 'a', unitPrice: eur(1190), quantity: 2 }],
      shippingRate: eur(595),
      destination: { country: 'DE' },
      pricesIncludeTax: true,
      tax: tax.calculateSync,
    })
    expect(totals.lines[0]).toMatchObject({ subtotal: eur(2380), tax: eur(380), total: eur(2380) })
    expect(totals).toMatchObject({
      shippingTax: eur(95),
      taxTotal: eur(475),
      total: eur(2975),
      taxInclusive: true,
    })
  })

  it('takes free shipping off shipping, not off the lines', () => {
    const totals = computeTotals({
      currency: 'USD',
      lines: [{ id: 'a', unitPrice: usd(1000), quantity: 1 }],
      promotion: { ...promoBase, kind: 'free_shipping' },
      now: NOW,
      shippingRate: usd(700),
    })
    expect(totals).toMatchObject({
      discountTotal: usd(0),
      shippingDiscount: usd(700),
      shippingTotal: usd(0),
      total: usd(1000),
    })
  })

  it('prices an empty cart as zero in its currency', () => {
    const totals = computeTotals({ currency: 'JPY', lines: [] })
    expect(totals).toMatchObject({
      subtotal: money(0, 'JPY'),
      total: money(0, 'JPY'),
      itemCount: 0,
      lines: [],
    })
  })

  it('accepts a precomputed tax result for exactly these amounts, and an async calculator', async () => {
    const input: TotalsInput = {
      currency: 'USD',
      lines: [{ id: 'a', unitPrice: usd(1000), quantity: 1, taxCode: 'books' }],
      promotion: { ...promoBase, kind: 'fixed', amount: usd(100) },
      now: NOW,
      shippingRate: usd(200),
      destination: { country: 'US' },
    }
    const request = taxRequestFor(input)
    expect(request).toEqual({
      destination: { country: 'US' },
      lines: [{ id: 'a', amount: usd(900), taxCode: 'books' }],
      shipping: usd(200),
      pricesIncludeTax: false,
    })
    const precomputed: TaxResult = {
      lines: [{ id: 'a', tax: usd(45), rate: '5' }],
      shippingTax: usd(0),
      shippingRate: '0',
      total: usd(45),
      inclusive: false,
    }
    expect(computeTotals({ ...input, tax: precomputed }).total).toEqual(usd(1145))
    const service: TaxCalculator = { calculate: async () => precomputed }
    expect((await calculateTotals({ ...input, taxCalculator: service })).total).toEqual(usd(1145))
    expect((await calculateTotals(input)).taxTotal).toEqual(usd(0))
  })

  it('refuses a tax result that does not fit the lines', () => {
    const input: TotalsInput = {
      currency: 'USD',
      lines: [{ id: 'a', unitPrice: usd(1000), quantity: 1 }],
      pricesIncludeTax: true,
    }
    const result = (over: Partial<TaxResult>): TaxResult => ({
      lines: [{ id: 'a', tax: usd(10), rate: '1' }],
      shippingTax: usd(0),
      shippingRate: '0',
      total: usd(10),
      inclusive: true,
      ...over,
    })
    const bad: [string, TaxResult][] = [
      ['tax.lines', result({ lines: [] })],
      ['tax.lines.0.id', result({ lines: [{ id: 'b', tax: usd(10), rate: '1' }] })],
      ['tax.total', result({ total: usd(11) })],
      ['tax.lines.0.tax', result({ lines: [{ id: 'a', tax: usd(1001), rate: '1' }], total: usd(1001) })],
      [
        'tax.lines.0.tax.amount',
        result({ lines: [{ id: 'a', tax: { amount: 0.5, currency: 'USD' }, rate: '1' }] }),
      ],
      ['tax.lines.0.tax', result({ lines: [{ id: 'a', tax: eur(10), rate: '1' }] })],
      ['tax.shippingTax', result({ shippingTax: usd(1), total: usd(11) })],
    ]
    for (const [path, tax] of bad) {
      const error = failure(() => computeTotals({ ...input, tax }))
      expect(error.code, path).toBe('validation.failed')
      expect(
        (error.details.issues as { path: string }[]).map((i) => i.path),
        path,
      ).toContain(path)
    }
  })

  it('lets promotion errors through unchanged', () => {
    const error = failure(() =>
      computeTotals({
        currency: 'USD',
        lines: [{ id: 'a', unitPrice: usd(100), quantity: 1 }],
        promotion: { ...promoBase, kind: 'percentage', percent: '10', minSubtotal: usd(1000) },
        now: NOW,
      }),
    )
    expect(error.code).toBe('promotion.minimum_not_met')
  })

  it.each<[string, Partial<TotalsInput>]>([
    ['a float price', { lines: [{ id: 'a', unitPrice: { amount: 9.99, currency: 'USD' }, quantity: 1 }] }],
    ['a negative price', { lines: [{ id: 'a', unitPrice: usd(-1), quantity: 1 }] }],
    ['a zero quantity', { lines: [{ id: 'a', unitPrice: usd(1), quantity: 0 }] }],
    ['a fractional quantity', { lines: [{ id: 'a', unitPrice: usd(1), quantity: 1.5 }] }],
    ['a huge quantity', { lines: [{ id: 'a', unitPrice: usd(1), quantity: 10_000_001 }] }],
    ['another currency', { lines: [{ id: 'a', unitPrice: eur(1), quantity: 1 }] }],
    [
      'duplicate ids',
      {
        lines: [
          { id: 'a', unitPrice: usd(1), quantity: 1 },
          { id: 'a', unitPrice: usd(1), quantity: 1 },
        ],
      },
    ],
    ['shipping in another currency', { shippingRate: eur(1) }],
    ['a promotion without a clock', { promotion: { ...promoBase, kind: 'free_shipping' } }],
    ['an unknown field', { coupon: 'X' } as Partial<TotalsInput>],
    ['an overflowing line', { lines: [{ id: 'a', unitPrice: usd(Number.MAX_SAFE_INTEGER), quantity: 2 }] }],
    [
      'too many lines',
      { lines: Array.from({ length: 1001 }, (_, i) => ({ id: `l${i}`, unitPrice: usd(1), quantity: 1 })) },
    ],
  ])('rejects %s with validation.failed', (_label, over) => {
    expect(failure(() => computeTotals({ currency: 'USD', lines: [], ...over })).code).toBe(
      'validation.failed',
    )
  })
})

// --- property tests -----------------------------------------------------------------------------

const currencyArb = fc.constantFrom('JPY', 'USD', 'KWD') // exponents 0, 2, 3
// Rates as exact decimal strings, including awkward ones such as '8.875' and '0.001'.
const rateArb = fc.oneof(
  fc.constantFrom('0', '5', '7.25', '8.875', '19', '20', '21', '25', '0.001', '100'),
  fc
    .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 999 }))
    .map(([whole, fraction]) => `${whole}.${String(fraction).padStart(3, '0')}`),
)
const percentArb = fc.oneof(
  fc.constantFrom('1', '10', '12.5', '33.333', '50', '99.999', '100'),
  fc.integer({ min: 1, max: 100_000 }).map((thousandths) => {
    const whole = Math.floor(thousandths / 1000)
    return `${whole}.${String(thousandths % 1000).padStart(3, '0')}`
  }),
)

function promotionArb(currency: string): fc.Arbitrary<Promotion | null> {
  const minSubtotal = fc.option(
    fc.integer({ min: 1, max: 50_000 }).map((amount) => money(amount, currency)),
    { nil: null, freq: 4 },
  )
  return fc.option(
    fc.oneof(
      fc
        .record({ percent: percentArb, minSubtotal })
        .map((p): Promotion => ({ ...promoBase, kind: 'percentage', ...p })),
      fc.record({ amount: fc.integer({ min: 1, max: 10_000_000 }), minSubtotal }).map(
        (p): Promotion => ({
          ...promoBase,
          kind: 'fixed',
          amount: money(p.amount, currency),
          minSubtotal: p.minSubtotal,
        }),
      ),
      fc.record({ minSubtotal }).map((p): Promotion => ({ ...promoBase, kind: 'free_shipping', ...p })),
    ),
    { nil: null },
  )
}

const cartArb = currencyArb.chain((currency) =>
  fc.record({
    currency: fc.constant(currency),
    lines: fc.array(
      fc.record({
        unitPrice: fc.integer({ min: 0, max: 1_000_000 }).map((amount) => money(amount, currency)),
        quantity: fc.integer({ min: 1, max: 100 }),
      }),
      { minLength: 1, maxLength: 20 },
    ),
    promotion: promotionArb(currency),
    shippingRate: fc.option(
      fc.integer({ min: 0, max: 100_000 }).map((amount) => money(amount, currency)),
      { nil: null },
    ),
    rate: rateArb,
    taxShipping: fc.boolean(),
    pricesIncludeTax: fc.boolean(),
    rounding: fc.constantFrom<RoundingMode>(...roundingModes),
  }),
)

type Cart = typeof cartArb extends fc.Arbitrary<infer C> ? C : never

function priced(cart: Cart): Totals | 'promotion refused' {
  const tax = createRegionTaxCalculator({
    rates: [{ country: 'ZZ', rate: cart.rate, taxShipping: cart.taxShipping }],
    rounding: cart.rounding,
  })
  try {
    return computeTotals({
      currency: cart.currency,
      lines: cart.lines.map((line, i) => ({ id: `line_${i}`, ...line })),
      promotion: cart.promotion,
      now: NOW,
      shippingRate: cart.shippingRate,
      destination: { country: 'ZZ' },
      pricesIncludeTax: cart.pricesIncludeTax,
      tax: tax.calculateSync,
    })
  } catch (error) {
    // A minimum the random cart does not reach is the one legitimate refusal.
    if (isCommerceError(error, 'promotion.minimum_not_met')) return 'promotion refused'
    throw error
  }
}

describe('computeTotals properties (random carts: 1–20 lines, exponents 0/2/3, random promos and rates)', () => {
  const runs = { numRuns: 1500 }

  it('line totals plus shipping (plus exclusive shipping tax) sum exactly to the total', () => {
    const seen = { runs: 0, promoted: 0, inclusive: 0 }
    fc.assert(
      fc.property(cartArb, (cart) => {
        const t = priced(cart)
        seen.runs += 1
        if (t === 'promotion refused') return
        if (t.promotion) seen.promoted += 1
        if (t.taxInclusive) seen.inclusive += 1
        const shippingTax = t.taxInclusive ? 0 : t.shippingTax.amount
        expect(sumOf(t.lines.map((l) => l.total)) + t.shippingTotal.amount + shippingTax).toBe(t.total.amount)
        const tax = t.taxInclusive ? 0 : t.taxTotal.amount
        expect(t.subtotal.amount - t.discountTotal.amount + t.shippingTotal.amount + tax).toBe(t.total.amount)
        expect(sumOf(t.lines.map((l) => l.tax)) + t.shippingTax.amount).toBe(t.taxTotal.amount)
        expect(sumOf(t.lines.map((l) => l.subtotal))).toBe(t.subtotal.amount)
        expect(t.itemCount).toBe(cart.lines.reduce((n, l) => n + l.quantity, 0))
      }),
      runs,
    )
    // The generators really exercise promotions and both tax modes, not only the easy paths.
    expect(seen.promoted).toBeGreaterThan(seen.runs / 4)
    expect(seen.inclusive).toBeGreaterThan(seen.runs / 4)
  })

  it('discounts never exceed the subtotal, any line, or shipping, and match the promotion exactly', () => {
    fc.assert(
      fc.property(cartArb, (cart) => {
        const t = priced(cart)
        if (t === 'promotion refused') return
        expect(sumOf(t.lines.map((l) => l.discount))).toBe(t.discountTotal.amount)
        expect(t.discountTotal.amount).toBeGreaterThanOrEqual(0)
        expect(t.discountTotal.amount).toBeLessThanOrEqual(t.subtotal.amount)
        for (const line of t.lines) {
          expect(line.discount.amount).toBeGreaterThanOrEqual(0)
          expect(line.discount.amount).toBeLessThanOrEqual(line.subtotal.amount)
        }
        const shipping = cart.shippingRate?.amount ?? 0
        expect(t.shippingDiscount.amount + t.shippingTotal.amount).toBe(shipping)
        expect(t.shippingTotal.amount).toBeGreaterThanOrEqual(0)
        const promo = cart.promotion
        if (promo?.kind === 'percentage') {
          expect(t.discountTotal).toEqual(applyRate(t.subtotal, promo.percent, PERCENT_DISCOUNT_ROUNDING))
        } else if (promo?.kind === 'fixed') {
          expect(t.discountTotal).toEqual(min(money(promo.amount.amount, cart.currency), t.subtotal))
        } else {
          expect(t.discountTotal.amount).toBe(0)
        }
        if (promo?.kind === 'free_shipping') expect(t.shippingTotal.amount).toBe(0)
      }),
      runs,
    )
  })

  it('each line is taxed at the rounded per-line amount of its discounted price', () => {
    fc.assert(
      fc.property(cartArb, (cart) => {
        const t = priced(cart)
        if (t === 'promotion refused') return
        expect(t.taxInclusive).toBe(cart.pricesIncludeTax)
        const taxOf = (m: Money, rate: string) =>
          cart.pricesIncludeTax ? inclusiveTax(m, rate, cart.rounding) : applyRate(m, rate, cart.rounding)
        for (const line of t.lines) {
          const net = money(line.subtotal.amount - line.discount.amount, cart.currency)
          expect(line.tax).toEqual(taxOf(net, cart.rate))
          expect(line.taxRate).toBe(cart.rate)
          expect(line.total.amount).toBe(net.amount + (cart.pricesIncludeTax ? 0 : line.tax.amount))
        }
        expect(t.shippingTax).toEqual(taxOf(t.shippingTotal, cart.taxShipping ? cart.rate : '0'))
      }),
      runs,
    )
  })

  it('never produces a float: every amount is a safe integer in the cart currency', () => {
    fc.assert(
      fc.property(cartArb, (cart) => {
        const t = priced(cart)
        if (t === 'promotion refused') return
        const found = amounts(t)
        expect(found.length).toBeGreaterThan(5)
        for (const [path, amount] of found) {
          expect(Number.isSafeInteger(amount), `${path} = ${String(amount)}`).toBe(true)
        }
        const currencies = new Set(JSON.stringify(t).match(/"currency":"[A-Z]{3}"/g))
        expect([...currencies]).toEqual([`"currency":"${cart.currency}"`])
      }),
      runs,
    )
  })

  it('gives the same totals through the async path as through the sync one', async () => {
    await fc.assert(
      fc.asyncProperty(cartArb, async (cart) => {
        const sync = priced(cart)
        if (sync === 'promotion refused') return
        const tax = createRegionTaxCalculator({
          rates: [{ country: 'ZZ', rate: cart.rate, taxShipping: cart.taxShipping }],
          rounding: cart.rounding,
        })
        const async = await calculateTotals({
          currency: cart.currency,
          lines: cart.lines.map((line, i) => ({ id: `line_${i}`, ...line })),
          promotion: cart.promotion,
          now: NOW,
          shippingRate: cart.shippingRate,
          destination: { country: 'ZZ' },
          pricesIncludeTax: cart.pricesIncludeTax,
          taxCalculator: tax,
        })
        expect(async).toEqual(sync)
      }),
      { numRuns: 200 },
    )
  })
})
