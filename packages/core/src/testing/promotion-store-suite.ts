import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import { type Money, money } from '../money/money.js'
import type { PromotionStore } from '../ports/promotion-store.js'
import type {
  FixedPromotion,
  FreeShippingPromotion,
  PercentagePromotion,
  Promotion,
} from '../promotions/promotion-types.js'
import { expectCommerceError } from './expect-commerce-error.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/** Reads what the adapter persisted without going through the store. */
export interface PromotionInspector {
  /** The stored usage counter, or null when there is no such promotion. */
  timesUsed(promotionId: string): Promise<number | null>
  /** The stored redemptions of a promotion, in any order. */
  redemptions(promotionId: string): Promise<{ orderId: string; customerId: string | null }[]>
}

export interface PromotionStoreHarness {
  readonly store: PromotionStore
  readonly inspect: PromotionInspector
  /**
   * Makes an order id that `redeem` accepts. Stores whose redemptions reference orders (Postgres
   * has a foreign key) create a minimal order; others may just return a fresh id.
   */
  newOrder(): Promise<string>
}

const sortByOrder = (rows: { orderId: string; customerId: string | null }[]) =>
  [...rows].sort((a, b) => (a.orderId < b.orderId ? -1 : 1))

/**
 * The promotion store contract: storage of promotions, and redemptions whose usage limits hold
 * under concurrency. Every test uses fresh ids and codes, so one store may serve all.
 * @param makeHarness called once per test.
 */
export function promotionStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<PromotionStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 50
  const ids = createIdGenerator()
  const code = () => `T${ids('c').slice(-14)}`
  // Whole seconds: every backend keeps them exactly.
  const at = (iso: string) => new Date(iso)
  const NOW = at('2030-06-15T12:00:00Z')
  const base = () => ({
    id: ids('promo'),
    code: code(),
    minSubtotal: null,
    startsAt: null,
    endsAt: null,
    usageLimit: null,
    perCustomerLimit: null,
    timesUsed: 0,
    createdAt: at('2030-01-01T00:00:00Z'),
  })
  const promotion = (over: Partial<PercentagePromotion> = {}): Promotion => ({
    ...base(),
    kind: 'percentage',
    percent: '10',
    ...over,
  })
  const fixed = (amount: Money, over: Partial<FixedPromotion> = {}): Promotion => ({
    ...base(),
    kind: 'fixed',
    amount,
    ...over,
  })
  const freeShipping = (over: Partial<FreeShippingPromotion> = {}): Promotion => ({
    ...base(),
    kind: 'free_shipping',
    ...over,
  })
  const customer = () => `cus_${ids('x').slice(-12)}`

  describe('promotion store contract', () => {
    it('stores every kind of promotion and reads it back by id and by code', async () => {
      const { store } = await makeHarness()
      const all: Promotion[] = [
        promotion({
          percent: '12.5',
          minSubtotal: money(5000, 'EUR'),
          startsAt: at('2030-01-01T00:00:00Z'),
          endsAt: at('2031-01-01T00:00:00Z'),
          usageLimit: 100,
          perCustomerLimit: 2,
        }),
        fixed(money(1500, 'USD')),
        fixed(money(7, 'JPY'), { minSubtotal: money(100, 'JPY') }),
        freeShipping({ minSubtotal: money(1, 'KWD') }),
      ]
      for (const p of all) {
        assert.deepEqual(await store.create(p), p)
        assert.deepEqual(await store.get(p.id), p)
        assert.deepEqual(await store.getByCode(p.code), p)
      }
      assert.equal(await store.get('promo_missing'), null)
      assert.equal(await store.getByCode('NO-SUCH-CODE-AT-ALL'), null)
    })

    it('refuses a second promotion with the same code and keeps the first', async () => {
      const { store } = await makeHarness()
      const first = promotion()
      await store.create(first)
      await expectCommerceError(store.create(promotion({ code: first.code, percent: '50' })), 'conflict')
      assert.deepEqual(await store.getByCode(first.code), first)
    })

    it('updates the editable fields, keeps the counter, and refuses a taken code or a changed kind', async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = fixed(money(500, 'EUR'), { usageLimit: 10 })
      await store.create(p)
      await store.redeem({ promotionId: p.id, orderId: await newOrder(), customerId: null, at: NOW })
      const { timesUsed: _t, createdAt: _c, ...editable } = p
      const changed = {
        ...editable,
        code: code(),
        amount: money(750, 'USD'),
        minSubtotal: money(2000, 'USD'),
        startsAt: at('2030-02-01T00:00:00Z'),
        endsAt: at('2030-03-01T00:00:00Z'),
        usageLimit: 1,
        perCustomerLimit: 3,
      }
      const stored = await store.update(changed)
      assert.deepEqual(stored, { ...changed, timesUsed: 1, createdAt: p.createdAt })
      assert.deepEqual(await store.getByCode(changed.code), stored)
      assert.equal(await store.getByCode(p.code), null)
      assert.equal(await inspect.timesUsed(p.id), 1)

      const other = promotion()
      await store.create(other)
      await expectCommerceError(store.update({ ...changed, code: other.code }), 'conflict', { field: 'code' })
      await expectCommerceError(store.update({ ...changed, kind: 'free_shipping' }), 'validation.failed')
      assert.equal(await store.update({ ...changed, id: 'promo_missing' }), null)
      assert.deepEqual(await store.get(p.id), stored)
    })

    it('refuses a usage limit below the uses counted, also against concurrent redemptions', async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ usageLimit: 20 })
      await store.create(p)
      const { timesUsed: _t, createdAt: _c, ...editable } = p
      for (let i = 0; i < 3; i++) {
        await store.redeem({ promotionId: p.id, orderId: await newOrder(), customerId: null, at: NOW })
      }
      await expectCommerceError(store.update({ ...editable, usageLimit: 2 }), 'conflict', {
        field: 'usageLimit',
        timesUsed: 3,
      })
      assert.equal((await store.get(p.id))?.usageLimit, 20)
      // Lowering to 5 while 10 redemptions race: the limit and the counter always agree.
      const orders: string[] = []
      for (let i = 0; i < 10; i++) orders.push(await newOrder())
      const [lowered, ...redeemed] = await Promise.allSettled([
        store.update({ ...editable, usageLimit: 5 }),
        ...orders.map((orderId) => store.redeem({ promotionId: p.id, orderId, customerId: null, at: NOW })),
      ])
      const used = (await inspect.timesUsed(p.id))!
      const limit = (await store.get(p.id))!.usageLimit!
      assert.ok(used <= limit, `${used} uses over a limit of ${limit}`)
      assert.equal(used, 3 + redeemed.filter((r) => r.status === 'fulfilled').length)
      assert.equal(limit, lowered!.status === 'fulfilled' ? 5 : 20)
    })

    it('lists promotions in id order, a page at a time, without repeats or gaps', async () => {
      const { store } = await makeHarness()
      const made = [promotion(), promotion(), promotion(), promotion(), promotion()]
      for (const p of made) await store.create(p)
      const whole = await store.list({ limit: 1000 })
      assert.equal(whole.next, null)
      assert.deepEqual(
        whole.items.filter((p) => made.some((m) => m.id === p.id)),
        made,
      )
      assert.deepEqual(
        whole.items,
        [...whole.items].sort((a, b) => (a.id < b.id ? -1 : 1)),
      )
      for (const limit of [1, 2]) {
        const paged = await pageThrough((after) => store.list({ after, limit }), {
          sort: 'promotions',
          limit,
          key: (p) => p.id,
        })
        assert.deepEqual(paged, whole.items)
      }
      const bad = { sort: 'promotions', key: "x' or '1'='1", id: made[0]!.id }
      await expectCommerceError(store.list({ after: bad, limit: 2 }), 'validation.failed')
    })

    it('redeem counts a use once per order; a repeat changes nothing', async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ usageLimit: 5 })
      await store.create(p)
      const orderId = await newOrder()
      const who = customer()
      const first = await store.redeem({ promotionId: p.id, orderId, customerId: who, at: NOW })
      assert.equal(first.changed, true)
      assert.deepEqual(first.redemption, { promotionId: p.id, orderId, customerId: who, createdAt: NOW })
      const again = await store.redeem({ promotionId: p.id, orderId, customerId: who, at: NOW })
      assert.equal(again.changed, false)
      assert.deepEqual(again.redemption, first.redemption)
      assert.equal(await inspect.timesUsed(p.id), 1)
      assert.deepEqual(await inspect.redemptions(p.id), [{ orderId, customerId: who }])
      assert.equal((await store.get(p.id))?.timesUsed, 1)
    })

    it('stops at the usage limit and records nothing for the refused order', async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ usageLimit: 2 })
      await store.create(p)
      const orders = [await newOrder(), await newOrder(), await newOrder()]
      await store.redeem({ promotionId: p.id, orderId: orders[0]!, customerId: null, at: NOW })
      await store.redeem({ promotionId: p.id, orderId: orders[1]!, customerId: customer(), at: NOW })
      await expectCommerceError(
        store.redeem({ promotionId: p.id, orderId: orders[2]!, customerId: null, at: NOW }),
        'promotion.exhausted',
        { limit: 'total' },
      )
      assert.equal(await inspect.timesUsed(p.id), 2)
      assert.equal((await inspect.redemptions(p.id)).length, 2)
    })

    it('enforces the per-customer limit and refuses guests on such codes', async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ perCustomerLimit: 1 })
      await store.create(p)
      const alice = customer()
      const bob = customer()
      await store.redeem({ promotionId: p.id, orderId: await newOrder(), customerId: alice, at: NOW })
      await expectCommerceError(
        store.redeem({ promotionId: p.id, orderId: await newOrder(), customerId: alice, at: NOW }),
        'promotion.exhausted',
        { limit: 'per_customer' },
      )
      await store.redeem({ promotionId: p.id, orderId: await newOrder(), customerId: bob, at: NOW })
      await expectCommerceError(
        store.redeem({ promotionId: p.id, orderId: await newOrder(), customerId: null, at: NOW }),
        'promotion.invalid',
        { reason: 'customer_required' },
      )
      assert.equal(await store.countRedemptions({ promotionId: p.id, customerId: alice }), 1)
      assert.equal(await store.countRedemptions({ promotionId: p.id, customerId: customer() }), 0)
      assert.equal(await inspect.timesUsed(p.id), 2)
    })

    it('redeems only inside the validity window (end exclusive)', async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ startsAt: at('2030-06-01T00:00:00Z'), endsAt: at('2030-07-01T00:00:00Z') })
      await store.create(p)
      await expectCommerceError(
        store.redeem({
          promotionId: p.id,
          orderId: await newOrder(),
          customerId: null,
          at: at('2030-05-31T23:59:59Z'),
        }),
        'promotion.not_yet_valid',
      )
      await expectCommerceError(
        store.redeem({
          promotionId: p.id,
          orderId: await newOrder(),
          customerId: null,
          at: at('2030-07-01T00:00:00Z'),
        }),
        'promotion.expired',
      )
      assert.equal(await inspect.timesUsed(p.id), 0)
      const ok = await store.redeem({
        promotionId: p.id,
        orderId: await newOrder(),
        customerId: null,
        at: at('2030-06-01T00:00:00Z'),
      })
      assert.equal(ok.changed, true)
    })

    it('refuses an unknown promotion with not_found', async () => {
      const { store, newOrder } = await makeHarness()
      await expectCommerceError(
        store.redeem({ promotionId: 'promo_missing', orderId: await newOrder(), customerId: null, at: NOW }),
        'not_found',
      )
    })

    it('releaseRedemption gives the uses back once and frees the customer limit', async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ usageLimit: 1, perCustomerLimit: 1 })
      const other = promotion()
      await store.create(p)
      await store.create(other)
      const who = customer()
      const orderId = await newOrder()
      await store.redeem({ promotionId: p.id, orderId, customerId: who, at: NOW })
      await store.redeem({ promotionId: other.id, orderId, customerId: who, at: NOW })
      assert.deepEqual(await store.releaseRedemption(orderId), { released: 2 })
      assert.deepEqual(await store.releaseRedemption(orderId), { released: 0 })
      assert.equal(await inspect.timesUsed(p.id), 0)
      assert.equal(await inspect.timesUsed(other.id), 0)
      assert.deepEqual(await inspect.redemptions(p.id), [])
      assert.equal(await store.countRedemptions({ promotionId: p.id, customerId: who }), 0)
      const again = await store.redeem({
        promotionId: p.id,
        orderId: await newOrder(),
        customerId: who,
        at: NOW,
      })
      assert.equal(again.changed, true)
      assert.equal(await inspect.timesUsed(p.id), 1)
    })

    it(`concurrent redemptions never pass the usage limit (${concurrency} callers, limit 5)`, async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ usageLimit: 5 })
      await store.create(p)
      const orders: string[] = []
      for (let i = 0; i < concurrency; i++) orders.push(await newOrder())
      const results = await Promise.allSettled(
        orders.map((orderId) =>
          store.redeem({ promotionId: p.id, orderId, customerId: customer(), at: NOW }),
        ),
      )
      const won = results.filter((r) => r.status === 'fulfilled').length
      const refused = results.filter(
        (r) => r.status === 'rejected' && isCommerceError(r.reason, 'promotion.exhausted'),
      ).length
      assert.equal(won, Math.min(5, concurrency))
      assert.equal(won + refused, concurrency)
      assert.equal(await inspect.timesUsed(p.id), won)
      assert.equal((await inspect.redemptions(p.id)).length, won)
    })

    it(`concurrent redemptions by one customer never pass the per-customer limit (${concurrency} callers, limit 2)`, async () => {
      const { store, inspect, newOrder } = await makeHarness()
      const p = promotion({ perCustomerLimit: 2 })
      await store.create(p)
      const who = customer()
      const orders: string[] = []
      for (let i = 0; i < concurrency; i++) orders.push(await newOrder())
      const results = await Promise.allSettled(
        orders.map((orderId) => store.redeem({ promotionId: p.id, orderId, customerId: who, at: NOW })),
      )
      const won = results.filter((r) => r.status === 'fulfilled').length
      assert.equal(won, Math.min(2, concurrency))
      assert.equal(await inspect.timesUsed(p.id), won)
      const stored = sortByOrder(await inspect.redemptions(p.id))
      assert.equal(stored.length, won)
      assert.ok(stored.every((r) => r.customerId === who))
    })
  })
}
