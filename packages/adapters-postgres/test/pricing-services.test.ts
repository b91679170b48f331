import {
  type Commerce,
  computeTotals,
  createCommerce,
  createManualClock,
  createRegionTaxCalculator,
  createShippingService,
  isCommerceError,
  type Logger,
  type ManualClock,
  money,
  type ShippingRateProvider,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { allPages, expectCursorRefused, promotionsCursor } from './paging-support.js'
import { orderMaker } from './pricing-support.js'
import { describeOnDrivers } from './support.js'

const warnings: { message: string; fields?: Record<string, unknown> }[] = []
const logger: Logger = { ...silentLogger, warn: (message, fields) => void warnings.push({ message, fields }) }

const usd = (amount: number) => money(amount, 'USD')
const eur = (amount: number) => money(amount, 'EUR')
// A Friday morning, so delivery estimates have a weekend to skip.
const FRIDAY = new Date('2030-06-14T10:00:00Z')

// A carrier API stand-in: a real provider object, configured per test.
let carrierRates: () => Promise<unknown> = async () => []
const carrier: ShippingRateProvider = {
  id: 'acme-freight',
  quote: () => carrierRates() as never,
}

const unique = () => Math.random().toString(36).slice(2, 10).toUpperCase()
describeOnDrivers('pricing_services', (fixture) => {
  let commerce: Commerce
  let clock: ManualClock

  beforeAll(() => {
    clock = createManualClock(FRIDAY)
    commerce = createCommerce({
      storage: fixture().storage,
      clock,
      logger,
      shipping: { providers: [carrier] },
    })
  })
  afterAll(() => commerce.close())
  beforeEach(() => {
    clock.set(FRIDAY)
    carrierRates = async () => []
    warnings.length = 0
  })

  const promotionCount = async () =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from souk.promotions`.execute(fixture().storage.db))
        .rows[0]!.n,
    )

  describe('commerce.promotions', () => {
    it('creates each kind, upper-cases the code and stamps the clock', async () => {
      const code = `summer${unique()}`.toLowerCase()
      const promo = await commerce.promotions.create({ code, kind: 'percentage', percent: '12.5' })
      expect(promo).toMatchObject({
        code: code.toUpperCase(),
        kind: 'percentage',
        percent: '12.5',
        timesUsed: 0,
        usageLimit: null,
        createdAt: FRIDAY,
      })
      expect(promo.id).toMatch(/^promo_[0-9A-Z]{26}$/)
      const fixed = await commerce.promotions.create({
        code: `TEN${unique()}`,
        kind: 'fixed',
        amount: usd(1000),
        minSubtotal: usd(5000),
        startsAt: '2030-06-01T00:00:00Z',
        endsAt: new Date('2030-07-01T00:00:00Z'),
        usageLimit: 100,
        perCustomerLimit: 1,
      })
      expect(fixed).toMatchObject({
        amount: usd(1000),
        minSubtotal: usd(5000),
        startsAt: new Date('2030-06-01T00:00:00Z'),
      })
      const free = await commerce.promotions.create({ code: `SHIP${unique()}`, kind: 'free_shipping' })
      expect(await commerce.promotions.get({ promotionId: free.id })).toEqual(free)
      expect(await commerce.promotions.getByCode({ code: ` ${code} ` })).toEqual(promo)
    })

    it('refuses a taken code, whatever its case, and unknown codes and ids', async () => {
      const code = `DUP${unique()}`
      await commerce.promotions.create({ code, kind: 'free_shipping' })
      await expectCommerceError(
        commerce.promotions.create({ code: code.toLowerCase(), kind: 'free_shipping' }),
        'conflict',
      )
      await expectCommerceError(commerce.promotions.getByCode({ code: 'NOPE-NOPE' }), 'promotion.invalid', {
        reason: 'unknown_code',
      })
      await expectCommerceError(
        commerce.promotions.get({ promotionId: 'promo_01J00000000000000000000000' }),
        'not_found',
      )
      await expectCommerceError(
        commerce.promotions.get({ promotionId: "x'; drop table souk.promotions; --" }),
        'validation.failed',
      )
    })

    it('lists in creation order, a page at a time', async () => {
      const made = []
      for (let i = 0; i < 3; i++)
        made.push(await commerce.promotions.create({ code: `PAGE${unique()}`, kind: 'free_shipping' }))
      const seen = (await allPages((cursor) => commerce.promotions.list({ cursor, limit: 2 }))).map(
        (p) => p.id,
      )
      expect(seen).toEqual([...seen].sort())
      expect(seen).toEqual(expect.arrayContaining(made.map((p) => p.id)))
      expect(seen).toEqual((await commerce.promotions.list({ limit: 200 })).items.map((p) => p.id))
      await expectCursorRefused(commerce.promotions.list({ cursor: 'garbage' }))
      const zones = await commerce.shipping.listZones({ limit: 1 })
      await expectCursorRefused(commerce.promotions.list({ cursor: zones.nextCursor! }))
      await expectCommerceError(commerce.promotions.list({ limit: 0 }), 'validation.failed')
      await expectCommerceError(commerce.promotions.list({ limit: 201 }), 'validation.failed')
    })

    it.each([
      ['a zero percent', { kind: 'percentage', percent: '0' }],
      ['more than 100 %', { kind: 'percentage', percent: '100.01' }],
      ['a float percent', { kind: 'percentage', percent: 10 }],
      ['a percent in exponent notation', { kind: 'percentage', percent: '1e1' }],
      ['a negative amount', { kind: 'fixed', amount: { amount: -100, currency: 'USD' } }],
      ['a zero amount', { kind: 'fixed', amount: usd(0) }],
      ['a float amount', { kind: 'fixed', amount: { amount: 9.99, currency: 'USD' } }],
      ['an unsafe amount', { kind: 'fixed', amount: { amount: 2 ** 53, currency: 'USD' } }],
      ['an unknown currency', { kind: 'fixed', amount: { amount: 100, currency: 'XYZ' } }],
      ['a minimum in another currency', { kind: 'fixed', amount: usd(100), minSubtotal: eur(1000) }],
      [
        'an end before the start',
        { kind: 'free_shipping', startsAt: '2030-02-01T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' },
      ],
      ['a date without offset', { kind: 'free_shipping', startsAt: '2030-02-01 00:00' }],
      ['a zero usage limit', { kind: 'free_shipping', usageLimit: 0 }],
      ['a fractional usage limit', { kind: 'free_shipping', usageLimit: 1.5 }],
      ['a usage limit past int4', { kind: 'free_shipping', perCustomerLimit: 2 ** 31 }],
      ['an unknown kind', { kind: 'bogo' }],
      ['an unknown field', { kind: 'free_shipping', stackable: true }],
      ['a code with spaces inside', { kind: 'free_shipping', code: 'TWO WORDS' }],
      ['an emoji code', { kind: 'free_shipping', code: 'SALE🔥' }],
      ['an oversized code', { kind: 'free_shipping', code: 'X'.repeat(65) }],
    ])('refuses %s with validation.failed and stores nothing', async (_label, input) => {
      const before = await promotionCount()
      await expectCommerceError(
        commerce.promotions.create({ code: `BAD${unique()}`, ...input } as never),
        'validation.failed',
      )
      expect(await promotionCount()).toBe(before)
    })

    it('evaluates a code against a cart with the clock, the window and per-customer history', async () => {
      const code = `WIN${unique()}`
      const promo = await commerce.promotions.create({
        code,
        kind: 'percentage',
        percent: '10',
        startsAt: '2030-06-20T00:00:00Z',
        endsAt: '2030-06-30T00:00:00Z',
        perCustomerLimit: 1,
      })
      const input = {
        code,
        currency: 'USD',
        lines: [
          { id: 'a', subtotal: usd(1000) },
          { id: 'b', subtotal: usd(501) },
        ],
        customerId: 'cus_alice',
      }
      await expectCommerceError(commerce.promotions.evaluate(input), 'promotion.not_yet_valid')
      clock.set(new Date('2030-06-25T00:00:00Z'))
      const discount = await commerce.promotions.evaluate(input)
      expect(discount.lines.map((l) => l.discount.amount)).toEqual([100, 50])
      await expectCommerceError(
        commerce.promotions.evaluate({ ...input, customerId: null }),
        'promotion.invalid',
        { reason: 'customer_required' },
      )
      const orderId = await orderMaker(fixture().storage.db)()
      await fixture().storage.transaction((stores) =>
        stores.promotions.redeem({
          promotionId: promo.id,
          orderId,
          customerId: 'cus_alice',
          at: clock.now(),
        }),
      )
      await expectCommerceError(commerce.promotions.evaluate(input), 'promotion.exhausted', {
        limit: 'per_customer',
      })
      expect((await commerce.promotions.evaluate({ ...input, customerId: 'cus_bob' })).total).toEqual(
        usd(150),
      )
      clock.set(new Date('2030-06-30T00:00:00Z'))
      await expectCommerceError(commerce.promotions.evaluate(input), 'promotion.expired')
    })
  })

  describe('commerce.shipping', () => {
    // Zones and methods for the whole block; every zone's countries are this block's own.
    let eu: { id: string }
    let standard: { id: string }
    let freeOver: { id: string }
    let heavy: { id: string }

    beforeAll(async () => {
      eu = await commerce.shipping.createZone({ name: 'EU', countries: ['de', 'FR'] })
      standard = await commerce.shipping.createMethod({
        zoneId: eu.id,
        name: 'Standard',
        carrier: 'DHL',
        kind: 'flat',
        price: eur(499),
        estimatedDays: { min: 2, max: 4 },
      })
      freeOver = await commerce.shipping.createMethod({
        zoneId: eu.id,
        name: 'Free over 50',
        kind: 'free_over',
        price: eur(699),
        threshold: eur(5000),
        estimatedDays: { min: 3, max: 5 },
      })
      heavy = await commerce.shipping.createMethod({
        zoneId: eu.id,
        name: 'Freight',
        carrier: 'DB Schenker',
        kind: 'weight_table',
        brackets: [
          { upToGrams: 2000, price: eur(300) },
          { upToGrams: 10_000, price: eur(1500) },
        ],
        estimatedDays: { min: 5, max: 10 },
      })
      await commerce.shipping.createMethod({
        zoneId: eu.id,
        name: 'Retired',
        kind: 'flat',
        price: eur(1),
        estimatedDays: { min: 1, max: 1 },
        active: false,
      })
    })

    const parcel = (grams: number, quantity = 1) => [{ sku: 'TEE-M', quantity, weightGrams: grams }]

    it('normalizes zones and keeps methods per zone, inactive ones hidden by default', async () => {
      expect(await commerce.shipping.getZone({ zoneId: eu.id })).toEqual({
        id: eu.id,
        name: 'EU',
        countries: ['DE', 'FR'],
        regions: [],
      })
      const active = await commerce.shipping.listMethods({ zoneId: eu.id })
      expect(active.items.map((m) => m.name)).toEqual(['Standard', 'Free over 50', 'Freight'])
      expect(active.nextCursor).toBeNull()
      const all = await allPages((cursor) =>
        commerce.shipping.listMethods({ zoneId: eu.id, includeInactive: true, cursor, limit: 1 }),
      )
      expect(all).toHaveLength(4)
      expect(all.map((m) => m.id)).toEqual(all.map((m) => m.id).sort())
      const zones = await allPages((cursor) => commerce.shipping.listZones({ cursor, limit: 1 }))
      expect(zones.map((z) => z.id)).toContain(eu.id)
      await expectCursorRefused(commerce.shipping.listMethods({ cursor: await promotionsCursor(commerce) }))
      await expectCursorRefused(commerce.shipping.listZones({ cursor: 'garbage' }))
      expect(await commerce.shipping.getMethod({ methodId: standard.id })).toMatchObject({
        kind: 'flat',
        currency: 'EUR',
        price: eur(499),
        carrier: 'DHL',
        estimatedDays: { min: 2, max: 4 },
        active: true,
      })
    })

    it('quotes every method that serves the parcel, cheapest first, with business-day delivery dates', async () => {
      const quotes = await commerce.shipping.quote({
        destination: { country: 'DE', postalCode: '10115' },
        items: parcel(500, 2),
        subtotal: eur(2000),
      })
      expect(quotes.map((q) => [q.methodId, q.price.amount])).toEqual([
        [heavy.id, 300],
        [standard.id, 499],
        [freeOver.id, 699],
      ])
      // Friday + 2 business days is Tuesday; + 4 is Thursday.
      expect(quotes[1]).toMatchObject({
        providerId: 'zones',
        name: 'Standard',
        carrier: 'DHL',
        estimatedDays: { min: 2, max: 4 },
        estimatedDelivery: { earliest: '2030-06-18', latest: '2030-06-20' },
      })
      expect(quotes[0]?.estimatedDelivery).toEqual({ earliest: '2030-06-21', latest: '2030-06-28' })
    })

    it('makes shipping free from the threshold and drops methods the parcel is too heavy for', async () => {
      const quotes = await commerce.shipping.quote({
        destination: { country: 'FR' },
        items: parcel(6000, 2),
        subtotal: eur(5000),
      })
      expect(quotes.map((q) => [q.name, q.price.amount])).toEqual([
        ['Free over 50', 0],
        ['Standard', 499],
      ])
    })

    it('offers nothing in another currency or outside every zone', async () => {
      expect(
        await commerce.shipping.quote({ destination: { country: 'DE' }, items: [], subtotal: usd(100) }),
      ).toEqual([])
      expect(
        await commerce.shipping.quote({ destination: { country: 'AQ' }, items: [], subtotal: eur(100) }),
      ).toEqual([])
    })

    it('prefers a region zone over its country zone, and both over rest of world', async () => {
      const us = await commerce.shipping.createZone({ name: 'US', countries: ['US'] })
      const west = await commerce.shipping.createZone({
        name: 'US west',
        countries: ['US'],
        regions: ['us-ca', 'US-OR'],
      })
      const world = await commerce.shipping.createZone({ name: 'World', countries: ['*'] })
      const method = (zoneId: string, name: string, amount: number) =>
        commerce.shipping.createMethod({
          zoneId,
          name,
          kind: 'flat',
          price: usd(amount),
          estimatedDays: { min: 1, max: 2 },
        })
      await method(us.id, 'US ground', 800)
      await method(west.id, 'West coast', 500)
      await method(world.id, 'International', 3000)
      const names = async (destination: { country: string; region?: string }) =>
        (await commerce.shipping.quote({ destination, items: [], subtotal: usd(1) })).map((q) => q.name)
      expect(await names({ country: 'US', region: 'ca' })).toEqual(['West coast'])
      expect(await names({ country: 'US', region: 'NY' })).toEqual(['US ground'])
      expect(await names({ country: 'US' })).toEqual(['US ground'])
      expect(await names({ country: 'JP' })).toEqual(['International'])
    })

    it('merges carrier rates with the zone rates and skips a failing or malformed carrier', async () => {
      carrierRates = async () => [
        {
          methodId: 'acme:express',
          name: 'Acme Express',
          carrier: 'Acme',
          price: eur(450),
          estimatedDays: { min: 1, max: 1 },
        },
      ]
      const merged = await commerce.shipping.quote({
        destination: { country: 'DE' },
        items: parcel(3000),
        subtotal: eur(100),
      })
      expect(merged.map((q) => [q.providerId, q.methodId])).toEqual([
        ['acme-freight', 'acme:express'],
        ['zones', standard.id],
        ['zones', freeOver.id],
        ['zones', heavy.id],
      ])
      expect(merged[0]?.estimatedDelivery).toEqual({ earliest: '2030-06-17', latest: '2030-06-17' })

      carrierRates = async () => {
        throw new Error('ECONNRESET from carrier')
      }
      const withoutCarrier = await commerce.shipping.quote({
        destination: { country: 'DE' },
        items: [],
        subtotal: eur(100),
      })
      expect(withoutCarrier.every((q) => q.providerId === 'zones')).toBe(true)
      expect(warnings.at(-1)).toMatchObject({ fields: { providerId: 'acme-freight' } })

      for (const bad of [
        [
          {
            methodId: 'x',
            name: 'X',
            carrier: null,
            price: { amount: 4.5, currency: 'EUR' },
            estimatedDays: { min: 1, max: 1 },
          },
        ],
        [{ methodId: 'x', name: 'X', carrier: null, price: usd(450), estimatedDays: { min: 1, max: 1 } }],
        [{ methodId: 'x', name: 'X', carrier: null, price: eur(450), estimatedDays: { min: 3, max: 1 } }],
        'not an array',
      ]) {
        carrierRates = async () => bad
        const quotes = await commerce.shipping.quote({
          destination: { country: 'DE' },
          items: [],
          subtotal: eur(100),
        })
        expect(quotes.some((q) => q.providerId === 'acme-freight')).toBe(false)
      }
    })

    it('throws shipping.provider_failed only when every provider failed', async () => {
      const lonely = createShippingService({
        store: fixture().storage.shipping,
        providers: [{ id: 'down', quote: async () => Promise.reject(new Error('timeout')) }],
        clock,
        ids: (prefix) => `${prefix}_x`,
      })
      await expectCommerceError(
        lonely.quote({ destination: { country: 'DE' }, items: [], subtotal: eur(1) }),
        'shipping.provider_failed',
        { providerId: 'down' },
      )
    })

    it('quotes one chosen method, or says it is unavailable', async () => {
      const request = { destination: { country: 'DE' }, items: parcel(500), subtotal: eur(100) }
      expect(await commerce.shipping.quoteMethod({ ...request, methodId: standard.id })).toMatchObject({
        methodId: standard.id,
        price: eur(499),
      })
      for (const methodId of [heavy.id, 'shm_unknown']) {
        const tooHeavy = { ...request, items: parcel(20_000), methodId }
        await expectCommerceError(commerce.shipping.quoteMethod(tooHeavy), 'shipping.method_unavailable', {
          methodId,
        })
      }
      await expectCommerceError(
        commerce.shipping.quoteMethod({
          ...request,
          destination: { country: 'US' },
          methodId: standard.id,
        }),
        'shipping.method_unavailable',
      )
    })

    it('refuses a method for an unknown zone', async () => {
      await expectCommerceError(
        commerce.shipping.createMethod({
          zoneId: 'shz_01J00000000000000000000000',
          name: 'Ghost',
          kind: 'flat',
          price: eur(1),
          estimatedDays: { min: 1, max: 1 },
        }),
        'not_found',
        { entity: 'shipping zone' },
      )
    })

    it.each([
      ['no countries', { name: 'Z', countries: [] }],
      ['a three-letter country', { name: 'Z', countries: ['DEU'] }],
      ['a repeated country', { name: 'Z', countries: ['DE', 'de'] }],
      ['a region of an unlisted country', { name: 'Z', countries: ['DE'], regions: ['US-CA'] }],
      ['a region without its country', { name: 'Z', countries: ['US'], regions: ['CA'] }],
      ['an empty name', { name: ' ', countries: ['DE'] }],
      ['an unknown field', { name: 'Z', countries: ['DE'], priority: 1 }],
    ])('refuses a zone with %s', async (_label, input) => {
      await expectCommerceError(commerce.shipping.createZone(input as never), 'validation.failed')
    })

    it.each([
      ['a negative price', { kind: 'flat', price: { amount: -1, currency: 'EUR' } }],
      ['a float price', { kind: 'flat', price: { amount: 4.99, currency: 'EUR' } }],
      ['mixed currencies', { kind: 'free_over', price: eur(1), threshold: usd(1) }],
      [
        'unordered brackets',
        {
          kind: 'weight_table',
          brackets: [
            { upToGrams: 10, price: eur(1) },
            { upToGrams: 10, price: eur(2) },
          ],
        },
      ],
      ['no brackets', { kind: 'weight_table', brackets: [] }],
      ['max days below min', { kind: 'flat', price: eur(1), estimatedDays: { min: 3, max: 2 } }],
      ['a year and more of days', { kind: 'flat', price: eur(1), estimatedDays: { min: 1, max: 400 } }],
      ['an unknown kind', { kind: 'drone', price: eur(1) }],
    ])('refuses a method with %s', async (_label, input) => {
      const method = { zoneId: eu.id, name: 'Bad', estimatedDays: { min: 1, max: 2 }, ...input }
      await expectCommerceError(commerce.shipping.createMethod(method as never), 'validation.failed')
    })

    it.each([
      ['a zero quantity', { items: [{ sku: 'A', quantity: 0, weightGrams: 1 }] }],
      ['a negative weight', { items: [{ sku: 'A', quantity: 1, weightGrams: -1 }] }],
      ['a fractional weight', { items: [{ sku: 'A', quantity: 1, weightGrams: 0.5 }] }],
      [
        'too many items',
        { items: Array.from({ length: 501 }, (_, i) => ({ sku: `S${i}`, quantity: 1, weightGrams: 1 })) },
      ],
      ['a float subtotal', { subtotal: { amount: 0.1, currency: 'EUR' } }],
      ['a country name', { destination: { country: 'Germany' } }],
    ])('refuses a quote with %s', async (_label, over) => {
      const input = { destination: { country: 'DE' }, items: [], subtotal: eur(1), ...over }
      await expectCommerceError(commerce.shipping.quote(input as never), 'validation.failed')
    })

    it('refuses provider ids that repeat or shadow the zone tables', () => {
      for (const providers of [[carrier, carrier], [{ ...carrier, id: 'zones' }]]) {
        let error: unknown
        try {
          createCommerce({ storage: fixture().storage, shipping: { providers } })
        } catch (e) {
          error = e
        }
        expect(isCommerceError(error, 'config.invalid')).toBe(true)
      }
    })
  })

  describe('the checkout path: quote, promotion, tax, totals, redeem', () => {
    it('prices a cart from the services and redeems the code in the order transaction', async () => {
      const zone = await commerce.shipping.createZone({ name: 'NL', countries: ['NL'] })
      await commerce.shipping.createMethod({
        zoneId: zone.id,
        name: 'PostNL',
        kind: 'flat',
        price: eur(695),
        estimatedDays: { min: 1, max: 2 },
      })
      const code = `CHECKOUT${unique()}`
      await commerce.promotions.create({ code, kind: 'percentage', percent: '15', usageLimit: 1 })
      const destination = { country: 'NL' }
      const lines = [
        { id: 'line_1', unitPrice: eur(2495), quantity: 2 },
        { id: 'line_2', unitPrice: eur(999), quantity: 1 },
      ]
      const [rate] = await commerce.shipping.quote({ destination, items: [], subtotal: eur(5989) })
      const promotion = await commerce.promotions.getByCode({ code })
      const tax = createRegionTaxCalculator({ rates: [{ country: 'NL', rate: '21' }] })
      const totals = computeTotals({
        currency: 'EUR',
        lines,
        promotion,
        now: clock.now(),
        shippingRate: rate!.price,
        destination,
        pricesIncludeTax: true,
        tax: tax.calculateSync,
      })
      const sumLines = totals.lines.reduce((n, l) => n + l.total.amount, 0)
      expect(sumLines + totals.shippingTotal.amount).toBe(totals.total.amount)
      // 5989 − 15 % (898.35 → 898) + 695 shipping = 5786, with 21 % VAT inside.
      expect(totals.total).toEqual(eur(5786))
      expect(totals.taxTotal.amount).toBe(
        totals.lines.reduce((n, l) => n + l.tax.amount, 0) + totals.shippingTax.amount,
      )

      const [orderA, orderB] = [
        await orderMaker(fixture().storage.db)(),
        await orderMaker(fixture().storage.db)(),
      ]
      await fixture().storage.transaction((stores) =>
        stores.promotions.redeem({
          promotionId: promotion.id,
          orderId: orderA,
          customerId: null,
          at: clock.now(),
        }),
      )
      await expectCommerceError(
        fixture().storage.transaction((stores) =>
          stores.promotions.redeem({
            promotionId: promotion.id,
            orderId: orderB,
            customerId: null,
            at: clock.now(),
          }),
        ),
        'promotion.exhausted',
        { limit: 'total' },
      )
      await expectCommerceError(
        commerce.promotions.evaluate({ code, currency: 'EUR', lines: [] }),
        'promotion.exhausted',
      )
      // A failed payment compensates: the use comes back.
      expect(await fixture().storage.promotions.releaseRedemption(orderA)).toEqual({ released: 1 })
      expect((await commerce.promotions.getByCode({ code })).timesUsed).toBe(0)
    })
  })
})
