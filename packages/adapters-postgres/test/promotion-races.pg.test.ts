import { createIdGenerator, isCommerceError, PaymentError, type Promotion } from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orderMaker } from './pricing-support.js'
import { postgresFixture } from './support.js'

let fixture: Awaited<ReturnType<typeof postgresFixture>>
let newOrder: () => Promise<string>
const ids = createIdGenerator()
const NOW = new Date('2030-06-15T12:00:00Z')

beforeAll(async () => {
  // 40 connections: enough that a hundred transactions really queue on the promotion's row lock.
  fixture = await postgresFixture('promotion_races', 40)
  newOrder = orderMaker(fixture.storage.db)
})
afterAll(() => fixture.close())

async function createPromotion(over: Partial<Promotion> = {}): Promise<Promotion> {
  return fixture.storage.promotions.create({
    id: ids('promo'),
    code: `RACE${ids('c').slice(-12)}`,
    kind: 'percentage',
    percent: '10',
    minSubtotal: null,
    startsAt: null,
    endsAt: null,
    usageLimit: null,
    perCustomerLimit: null,
    timesUsed: 0,
    createdAt: NOW,
    ...over,
  } as Promotion)
}

async function orders(n: number): Promise<string[]> {
  const made: string[] = []
  for (let i = 0; i < n; i++) made.push(await newOrder())
  return made
}

/** Each call in its own transaction, as checkout will do it: redeem, then commit. */
function redeemInTransaction(promotionId: string, orderId: string, customerId: string | null) {
  return fixture.storage.transaction((stores) =>
    stores.promotions.redeem({ promotionId, orderId, customerId, at: NOW }),
  )
}

async function settle<T>(calls: Promise<T>[]) {
  const results = await Promise.allSettled(calls)
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  return {
    won: results.length - rejected.length,
    exhausted: rejected.filter((r) => isCommerceError(r.reason, 'promotion.exhausted')),
    other: rejected.filter((r) => !isCommerceError(r.reason, 'promotion.exhausted')).map((r) => r.reason),
  }
}

/** Counters agree with the redemption rows and never pass a limit, over the whole database. */
async function checkInvariants() {
  const db = fixture.storage.db
  const drift = await sql<{ id: string }>`
    select p.id from souk.promotions p
    left join souk.promotion_redemptions r on r.promotion_id = p.id
    group by p.id, p.times_used
    having p.times_used <> count(r.order_id)`.execute(db)
  expect(drift.rows, 'times_used equals the live redemptions').toEqual([])
  const over = await sql<{ id: string }>`
    select id from souk.promotions where usage_limit is not null and times_used > usage_limit`.execute(db)
  expect(over.rows, 'no usage limit passed').toEqual([])
  const perCustomer = await sql<{ promotion_id: string; customer_id: string }>`
    select r.promotion_id, r.customer_id from souk.promotion_redemptions r
    join souk.promotions p on p.id = r.promotion_id
    where p.per_customer_limit is not null and r.customer_id is not null
    group by r.promotion_id, r.customer_id, p.per_customer_limit
    having count(*) > p.per_customer_limit`.execute(db)
  expect(perCustomer.rows, 'no per-customer limit passed').toEqual([])
}

async function stored(promotionId: string) {
  const { rows } = await sql<{ times_used: number; redemptions: string }>`
    select times_used, (select count(*) from souk.promotion_redemptions where promotion_id = ${promotionId}) as redemptions
    from souk.promotions where id = ${promotionId}`.execute(fixture.storage.db)
  return { timesUsed: rows[0]!.times_used, redemptions: Number(rows[0]!.redemptions) }
}

describe('promotion usage limits under real concurrency (node-postgres, 40 connections)', () => {
  it('usage limit 10, 100 concurrent redemptions in separate transactions: exactly 10', async () => {
    const promo = await createPromotion({ usageLimit: 10 })
    const made = await orders(100)
    const outcome = await settle(made.map((orderId, i) => redeemInTransaction(promo.id, orderId, `cus_${i}`)))
    expect(outcome.other).toEqual([])
    expect(outcome.won).toBe(10)
    expect(outcome.exhausted).toHaveLength(90)
    expect(outcome.exhausted.every((r) => r.reason.details.limit === 'total')).toBe(true)
    expect(await stored(promo.id)).toEqual({ timesUsed: 10, redemptions: 10 })
    await checkInvariants()
  })

  it('per-customer limit 1, 20 concurrent redemptions by one customer: exactly 1', async () => {
    const promo = await createPromotion({ perCustomerLimit: 1 })
    const made = await orders(20)
    const outcome = await settle(made.map((orderId) => redeemInTransaction(promo.id, orderId, 'cus_alice')))
    expect(outcome.other).toEqual([])
    expect(outcome.won).toBe(1)
    expect(outcome.exhausted).toHaveLength(19)
    expect(outcome.exhausted.every((r) => r.reason.details.limit === 'per_customer')).toBe(true)
    expect(await stored(promo.id)).toEqual({ timesUsed: 1, redemptions: 1 })
    await checkInvariants()
  })

  it('both limits at once: 8 customers × 10 concurrent tries, 2 each and 10 in all', async () => {
    const promo = await createPromotion({ usageLimit: 10, perCustomerLimit: 2 })
    const made = await orders(80)
    const outcome = await settle(
      made.map((orderId, i) => redeemInTransaction(promo.id, orderId, `cus_${i % 8}`)),
    )
    expect(outcome.other).toEqual([])
    expect(outcome.won).toBe(10)
    expect(await stored(promo.id)).toEqual({ timesUsed: 10, redemptions: 10 })
    await checkInvariants()
  })

  it('a transaction that rolls back after redeeming uses up nothing', async () => {
    const promo = await createPromotion({ usageLimit: 10 })
    const made = await orders(60)
    // Every second checkout fails after redeeming (a declined payment, say) and rolls back.
    const outcome = await settle(
      made.map((orderId, i) =>
        fixture.storage.transaction(async (stores) => {
          await stores.promotions.redeem({ promotionId: promo.id, orderId, customerId: null, at: NOW })
          if (i % 2 === 1) throw new PaymentError('payment.declined', 'Card declined')
        }),
      ),
    )
    const declined = outcome.other.filter((e) => isCommerceError(e, 'payment.declined')).length
    expect(outcome.other.length).toBe(declined)
    expect(outcome.won).toBe(10)
    expect(await stored(promo.id)).toEqual({ timesUsed: 10, redemptions: 10 })
    await checkInvariants()
  })

  it('releases racing with redemptions and with each other keep the counter exact', async () => {
    const promo = await createPromotion({ usageLimit: 10 })
    const first = await orders(10)
    for (const orderId of first) await redeemInTransaction(promo.id, orderId, null)
    const released = first.slice(0, 5)
    const later = await orders(30)
    const results = await Promise.allSettled([
      // Each release twice at once: exactly one of the pair gives the use back.
      ...released.flatMap((orderId) => [
        fixture.storage.promotions.releaseRedemption(orderId),
        fixture.storage.promotions.releaseRedemption(orderId),
      ]),
      ...later.map((orderId) => redeemInTransaction(promo.id, orderId, null)),
    ])
    const releases = results.slice(0, 10)
    expect(releases.every((r) => r.status === 'fulfilled')).toBe(true)
    const givenBack = releases.reduce(
      (n, r) => n + (r.status === 'fulfilled' ? (r.value as { released: number }).released : 0),
      0,
    )
    expect(givenBack).toBe(5)
    const redeemed = results.slice(10).filter((r) => r.status === 'fulfilled').length
    const after = await stored(promo.id)
    expect(after.timesUsed).toBe(5 + redeemed)
    expect(after.timesUsed).toBeLessThanOrEqual(10)
    await checkInvariants()
  })
})
