import { describe, expect, it } from 'vitest'
import { type Money, money } from '../money/money.js'
import type { TaxRequest } from '../ports/tax-calculator.js'
import { expectConfigError } from '../testing/expect-config-error.js'
import { createRegionTaxCalculator } from './region-tax-calculator.js'

const usd = (amount: number): Money => money(amount, 'USD')
const eur = (amount: number): Money => money(amount, 'EUR')

function request(over: Partial<TaxRequest> = {}): TaxRequest {
  return {
    destination: { country: 'US', region: 'NY' },
    lines: [
      { id: 'a', amount: usd(1000) },
      { id: 'b', amount: usd(333) },
    ],
    shipping: usd(500),
    pricesIncludeTax: false,
    ...over,
  }
}

const calculator = createRegionTaxCalculator({
  rates: [
    { country: 'US', rate: '0' },
    { country: 'US', region: 'NY', rate: '8.875' },
    { country: 'US', region: 'OR', rate: '0', taxShipping: false },
    { country: 'DE', rate: '19', inclusive: true },
    { country: 'GB', rate: '20', taxShipping: false },
  ],
  defaultRate: '10',
})

describe('createRegionTaxCalculator', () => {
  it('adds exclusive tax per line, rounded half up on its own, and taxes shipping', async () => {
    const result = await calculator.calculate(request())
    // 1000 × 8.875 % = 88.75 → 89; 333 × 8.875 % = 29.55… → 30; 500 × 8.875 % = 44.375 → 44.
    expect(result.lines).toEqual([
      { id: 'a', tax: usd(89), rate: '8.875' },
      { id: 'b', tax: usd(30), rate: '8.875' },
    ])
    expect(result.shippingTax).toEqual(usd(44))
    expect(result.shippingRate).toBe('8.875')
    expect(result.total).toEqual(usd(163))
    expect(result.inclusive).toBe(false)
  })

  it('rounds each line, not the sum: three lines of 5 at 10 % are 3 × 1, not 2', () => {
    const lines = ['x', 'y', 'z'].map((id) => ({ id, amount: usd(5) }))
    const result = calculator.calculateSync(
      request({ destination: { country: 'FR' }, lines, shipping: usd(0) }),
    )
    expect(result.lines.map((l) => l.tax.amount)).toEqual([1, 1, 1])
    expect(result.total).toEqual(usd(3))
  })

  it('extracts inclusive tax and says so', () => {
    const result = calculator.calculateSync(
      request({
        destination: { country: 'DE' },
        lines: [{ id: 'a', amount: eur(11900) }],
        shipping: eur(595),
      }),
    )
    // 11900 contains 1900 at 19 %; 595 contains 95.
    expect(result.lines).toEqual([{ id: 'a', tax: eur(1900), rate: '19' }])
    expect(result.shippingTax).toEqual(eur(95))
    expect(result.inclusive).toBe(true)
  })

  it("follows the request's pricesIncludeTax where the rule does not decide", () => {
    const result = calculator.calculateSync(
      request({
        destination: { country: 'GB' },
        lines: [{ id: 'a', amount: usd(1200) }],
        pricesIncludeTax: true,
      }),
    )
    expect(result.lines[0]?.tax).toEqual(usd(200))
    expect(result.inclusive).toBe(true)
  })

  it('lets a region override its country, and matches case-insensitively', () => {
    expect(calculator.ruleFor({ country: 'us', region: 'ny' })).toMatchObject({
      rate: '8.875',
      source: 'US-NY',
    })
    expect(calculator.ruleFor({ country: 'US', region: 'TX' })).toMatchObject({ rate: '0', source: 'US' })
    expect(calculator.ruleFor({ country: 'JP' })).toMatchObject({ rate: '10', source: 'default' })
    expect(calculator.ruleFor(null)).toMatchObject({ rate: '10', source: 'default' })
  })

  it('leaves shipping untaxed where the rule says so', () => {
    const result = calculator.calculateSync(request({ destination: { country: 'GB' } }))
    expect(result.shippingTax).toEqual(usd(0))
    expect(result.shippingRate).toBe('0')
    expect(result.lines.map((l) => l.tax.amount)).toEqual([200, 67])
  })

  it('defaults to no tax at all', () => {
    const none = createRegionTaxCalculator({ rates: [] })
    const result = none.calculateSync(request())
    expect(result.total).toEqual(usd(0))
    expect(result.lines.every((l) => l.rate === '0')).toBe(true)
  })

  it('uses the configured rounding mode', () => {
    const down = createRegionTaxCalculator({ rates: [{ country: 'US', rate: '10' }], rounding: 'down' })
    const result = down.calculateSync(
      request({ destination: { country: 'US' }, lines: [{ id: 'a', amount: usd(19) }] }),
    )
    expect(result.lines[0]?.tax).toEqual(usd(1))
  })

  it('keeps JPY and KWD exact in their own minor units', () => {
    const jp = createRegionTaxCalculator({ rates: [{ country: 'JP', rate: '10' }] })
    const yen = jp.calculateSync({
      destination: { country: 'JP' },
      lines: [{ id: 'a', amount: money(1234, 'JPY') }],
      shipping: money(0, 'JPY'),
      pricesIncludeTax: false,
    })
    expect(yen.lines[0]?.tax).toEqual(money(123, 'JPY'))
    const kw = createRegionTaxCalculator({ rates: [{ country: 'KW', rate: '5' }] })
    const fils = kw.calculateSync({
      destination: { country: 'KW' },
      lines: [{ id: 'a', amount: money(1001, 'KWD') }],
      shipping: money(0, 'KWD'),
      pricesIncludeTax: false,
    })
    expect(fils.lines[0]?.tax).toEqual(money(50, 'KWD'))
  })

  it.each([
    ['a float rate', { rates: [{ country: 'US', rate: 8.875 }] }],
    ['a negative rate', { rates: [{ country: 'US', rate: '-1' }] }],
    ['a rate in exponent notation', { rates: [{ country: 'US', rate: '1e1' }] }],
    ['a rate above 1000 %', { rates: [{ country: 'US', rate: '1000.5' }] }],
    ['a bad country', { rates: [{ country: 'USA', rate: '5' }] }],
    [
      'two rules for one place',
      {
        rates: [
          { country: 'US', rate: '5' },
          { country: 'us', rate: '6' },
        ],
      },
    ],
    ['an unknown option', { rates: [], vat: true }],
    ['an unknown rounding mode', { rates: [], rounding: 'bankers' }],
  ])('refuses %s with config.invalid', (_label, config) => {
    expectConfigError(() => createRegionTaxCalculator(config as never), 'createRegionTaxCalculator config')
  })

  it.each([
    ['a negative amount', request({ lines: [{ id: 'a', amount: { amount: -1, currency: 'USD' } }] })],
    ['a fractional amount', request({ lines: [{ id: 'a', amount: { amount: 1.5, currency: 'USD' } }] })],
    ['mixed currencies', request({ lines: [{ id: 'a', amount: eur(1) }] })],
    ['an unknown currency', request({ shipping: { amount: 0, currency: 'ZZZ' } })],
  ])('rejects %s with validation.failed', async (_label, bad) => {
    await expect(calculator.calculate(bad)).rejects.toMatchObject({ code: 'validation.failed' })
  })
})
