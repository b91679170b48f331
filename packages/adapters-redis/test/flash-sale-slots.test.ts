import { type FlashSales, redisFlashSales } from '@souk/adapters-redis'
import { createManualClock, isCommerceError, type ManualClock, silentLogger } from '@souk/core'
import { expectCommerceError, expectConfigError } from '@souk/core/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { homeSlot } from '../src/flash-sales/flash-sale-slots.js'
import { type RedisFixture, redisFixture } from './support.js'

// Sales split over slots, on the standalone test Redis: the slot logic (routing, borrowing, dry
// marks, releases) is the same on one node as on a Cluster; flash-sale-cluster.scale.test.ts runs
// it on a real one.

let fixture: RedisFixture
let redis: Redis
beforeAll(() => {
  fixture = redisFixture()
  redis = fixture.client()
})
afterAll(() => fixture.close())

const HOUR = 60 * 60 * 1000
const START = new Date('2030-01-01T10:00:00.000Z')

interface Gate {
  readonly sales: FlashSales
  readonly clock: ManualClock
  readonly prefix: string
  /** Another process's gate on the same keys: it has never seen the sale. */
  other(): FlashSales
}

function gate(): Gate {
  const clock = createManualClock(START)
  const prefix = fixture.prefix()
  const make = () => redisFlashSales({ redis, prefix, clock, logger: silentLogger })
  return { sales: make(), clock, prefix, other: make }
}

const sale = (over: Record<string, unknown> = {}) => ({
  saleId: 'drop-1',
  sku: 'SNEAKER-42',
  quantity: 9,
  slots: 3,
  endsAt: new Date(START.getTime() + HOUR),
  ...over,
})

/** `count` customer ids whose home slot (of `slots`) is `slot`. */
function customersOf(slot: number, slots: number, count: number, tag = 'c'): string[] {
  const ids: string[] = []
  for (let i = 0; ids.length < count; i++) if (homeSlot(`${tag}${i}`, slots) === slot) ids.push(`${tag}${i}`)
  return ids
}

/** Each slot's counters, read straight from Redis. */
async function slotState(sales: FlashSales, saleId: string, slots: number) {
  return Promise.all(
    sales.slotKeysOf({ saleId, slots }).map(async (keys) => {
      const hash = await redis.hgetall(keys.sale)
      return {
        remaining: Number(hash.remaining),
        admitted: Number(hash.admitted),
        released: Number(hash.released),
        lent: Number(hash.lent ?? 0),
        borrowed: Number(hash.borrowed ?? 0),
        dry: hash.dryUntil !== undefined,
        holders: await redis.hlen(keys.customers),
      }
    }),
  )
}

describe('flash sales split over slots', () => {
  it('createSale writes each slot under its own tag with an even share, open and kept until expireAt', async () => {
    const { sales, prefix } = gate()
    const created = await sales.createSale(sale({ quantity: 10, perCustomerLimit: 2 }))
    expect(created).toMatchObject({ id: 'drop-1', quantity: 10, perCustomerLimit: 2, slots: 3 })
    const keys = sales.slotKeysOf({ saleId: 'drop-1', slots: 3 })
    expect(keys[0]).toEqual(sales.keysOf({ saleId: 'drop-1' }))
    expect(keys.map((k) => k.sale)).toEqual([
      `${prefix}:flash:{sale:drop-1}`,
      expect.stringMatching(new RegExp(`^${prefix}:flash:\\{sale:drop-1:1:\\d+\\}$`)),
      expect.stringMatching(new RegExp(`^${prefix}:flash:\\{sale:drop-1:2:\\d+\\}$`)),
    ])
    const expireAt = START.getTime() + HOUR + 7 * 24 * HOUR
    const hashes = await Promise.all(keys.map((k) => redis.hgetall(k.sale)))
    expect(hashes.map((h) => h.remaining)).toEqual(['4', '3', '3'])
    hashes.forEach((hash, slot) => {
      expect(hash).toEqual({
        sku: 'SNEAKER-42',
        quantity: '10',
        remaining: hash.remaining,
        limit: '2',
        startsAt: String(START.getTime()),
        endsAt: String(START.getTime() + HOUR),
        expireAt: String(expireAt),
        admitted: '0',
        released: '0',
        slots: '3',
        slot: String(slot),
        lent: '0',
        borrowed: '0',
        wakes: '0',
      })
    })
    for (const k of keys) expect(await redis.call('PEXPIRETIME', k.sale)).toBe(expireAt)
    expect(await sales.stats({ saleId: 'drop-1' })).toMatchObject({
      quantity: 10,
      slots: 3,
      remaining: 10,
      admitted: 0,
      held: 0,
      holders: 0,
      inTransit: 0,
    })
    await expectCommerceError(sales.createSale(sale({ quantity: 10 })), 'conflict')
    await expectCommerceError(sales.createSale(sale({ quantity: 10, slots: 1 })), 'conflict')
  })

  it('rejects bad slot counts with validation.failed', async () => {
    const { sales, prefix } = gate()
    for (const over of [
      { slots: 0 },
      { slots: 129 },
      { slots: 1.5 },
      { slots: '3' },
      { quantity: 2, slots: 3 },
    ]) {
      const error = await expectCommerceError(sales.createSale(sale(over) as never), 'validation.failed')
      expect(JSON.stringify(error.details)).toContain('slots')
    }
    expect(() => sales.slotKeysOf({ saleId: 'x', slots: 0 })).toThrow()
    expect(await fixture.deletePrefix(prefix)).toBe(0)
  })

  it('admits each customer in their home slot; another process learns the slot count on its first call', async () => {
    const { sales, other } = gate()
    await sales.createSale(sale({ quantity: 30 }))
    const keys = sales.slotKeysOf({ saleId: 'drop-1', slots: 3 })
    for (const slot of [0, 1, 2]) {
      for (const customerId of customersOf(slot, 3, 2)) {
        const fresh = other()
        const { ticket } = await fresh.admit({ saleId: 'drop-1', customerId })
        expect(await redis.hget(keys[slot]!.customers, customerId)).toBe('1')
        expect(await redis.hget(keys[slot]!.tickets, ticket.id)).toBe(customerId)
        expect(await fresh.held({ saleId: 'drop-1', customerId })).toBe(1)
        expect(await other().held({ saleId: 'drop-1', customerId })).toBe(1)
      }
    }
    expect((await slotState(sales, 'drop-1', 3)).map((s) => s.admitted)).toEqual([2, 2, 2])
    expect(await other().remaining({ saleId: 'drop-1' })).toBe(24)
    expect(await other().stats({ saleId: 'drop-1' })).toMatchObject({ admitted: 6, held: 6, holders: 6 })
  })

  it('an empty home slot borrows from the others: every unit is sold, then sold_out, exactly', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 9 }))
    // Nine buyers who all live in slot 1: its 3 units, then 3 borrowed from each of the others.
    const buyers = customersOf(1, 3, 10)
    for (const customerId of buyers.slice(0, 9)) await sales.admit({ saleId: 'drop-1', customerId })
    await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: buyers[9]! }),
      'flash_sale.sold_out',
    )
    const state = await slotState(sales, 'drop-1', 3)
    expect(state.map((s) => s.remaining)).toEqual([0, 0, 0])
    expect(state[1]).toMatchObject({ admitted: 9, holders: 9, borrowed: 6, lent: 0, dry: true })
    expect(state[0]!.lent + state[2]!.lent).toBe(6)
    expect(await sales.stats({ saleId: 'drop-1' })).toMatchObject({
      remaining: 0,
      admitted: 9,
      held: 9,
      holders: 9,
      inTransit: 0,
    })
    // Buyers of the other slots hear sold_out too (each after its own search), and the limit holds.
    await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: customersOf(0, 3, 1)[0]! }),
      'flash_sale.sold_out',
    )
    await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: buyers[0]! }),
      'flash_sale.already_admitted',
    )
  })

  it('a dry slot answers sold_out alone; a release anywhere wakes it and the unit is sold again', async () => {
    const { sales, clock } = gate()
    await sales.createSale(sale({ quantity: 3 }))
    const [a, b, c] = [customersOf(0, 3, 1)[0]!, customersOf(1, 3, 1)[0]!, customersOf(2, 3, 1)[0]!]
    for (const customerId of [a, b, c]) await sales.admit({ saleId: 'drop-1', customerId })
    const late = customersOf(0, 3, 3, 'late')
    await expectCommerceError(sales.admit({ saleId: 'drop-1', customerId: late[0]! }), 'flash_sale.sold_out')
    expect((await slotState(sales, 'drop-1', 3))[0]!.dry).toBe(true)

    const keys = sales.slotKeysOf({ saleId: 'drop-1', slots: 3 })
    const before = await redis.hget(keys[1]!.sale, 'wakes')
    await expectCommerceError(sales.admit({ saleId: 'drop-1', customerId: late[1]! }), 'flash_sale.sold_out')

    // c (slot 2) gives their unit back: it returns to slot 2, and slot 0 is woken.
    expect(await sales.release({ saleId: 'drop-1', customerId: c })).toEqual({ released: true })
    const state = await slotState(sales, 'drop-1', 3)
    expect(state.map((s) => s.remaining)).toEqual([0, 0, 1])
    expect(state.map((s) => s.dry)).toEqual([false, false, false])
    expect(await redis.hget(keys[1]!.sale, 'wakes')).toBe(String(Number(before) + 1))
    // A buyer of slot 0 borrows it from slot 2.
    const { remaining } = await sales.admit({ saleId: 'drop-1', customerId: late[1]! })
    expect(remaining).toBe(0)
    expect(await sales.stats({ saleId: 'drop-1' })).toMatchObject({
      remaining: 0,
      admitted: 4,
      released: 1,
      held: 3,
      holders: 3,
      inTransit: 0,
    })
    // Dry again. While dry, slot 0 answers alone, without asking the others: a unit that comes
    // back to slot 1 without its wake (Redis failed while sending it) stays unseen by slot 0 ...
    await expectCommerceError(sales.admit({ saleId: 'drop-1', customerId: late[2]! }), 'flash_sale.sold_out')
    expect((await slotState(sales, 'drop-1', 3))[0]!.dry).toBe(true)
    await redis.hincrby(keys[1]!.sale, 'remaining', 1)
    clock.advance(999)
    await expectCommerceError(sales.admit({ saleId: 'drop-1', customerId: late[2]! }), 'flash_sale.sold_out')
    // ... only until the dry mark runs out (slotSoldOutMs, 1 s by default).
    clock.advance(1)
    await sales.admit({ saleId: 'drop-1', customerId: late[2]! })
    expect((await slotState(sales, 'drop-1', 3)).map((s) => s.remaining)).toEqual([0, 0, 0])
  })

  it('the per-customer limit holds with borrowing, and release gives the unit to the home slot', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 6, perCustomerLimit: 4 }))
    const bulk = customersOf(2, 3, 1)[0]!
    for (const n of [1, 2, 3, 4]) {
      const { ticket } = await sales.admit({ saleId: 'drop-1', customerId: bulk })
      expect(ticket.held).toBe(n)
    }
    const refused = await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: bulk }),
      'flash_sale.already_admitted',
    )
    expect(refused.details).toMatchObject({ held: 4, limit: 4 })
    expect(await sales.release({ saleId: 'drop-1', customerId: bulk })).toEqual({ released: true })
    const state = await slotState(sales, 'drop-1', 3)
    expect(state[2]).toMatchObject({ admitted: 4, released: 1, holders: 1 })
    expect(state.reduce((sum, s) => sum + s.remaining, 0)).toBe(3)
    expect(state[2]!.remaining).toBe(state[2]!.borrowed - 2 + 1)
    expect(await sales.held({ saleId: 'drop-1', customerId: bulk })).toBe(3)
  })

  it('units a borrower moved but never counted (it died in between) are credited by the next borrower', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 6 }))
    const keys = sales.slotKeysOf({ saleId: 'drop-1', slots: 3 })
    // What the lend script does, with the borrower of slot 0 dying before it credits: slot 1
    // moves its 2 units out towards slot 0.
    await redis
      .multi()
      .hincrby(keys[1]!.sale, 'remaining', -2)
      .hincrby(keys[1]!.sale, 'lent', 2)
      .hincrby(keys[1]!.sale, 'lent:0', 2)
      .exec()
    expect(await sales.stats({ saleId: 'drop-1' })).toMatchObject({ remaining: 4, held: 0, inTransit: 2 })
    const buyers = customersOf(0, 3, 3)
    await sales.admit({ saleId: 'drop-1', customerId: buyers[0]! })
    await sales.admit({ saleId: 'drop-1', customerId: buyers[1]! })
    // Slot 0 is empty now; its next buyer asks slot 1, which has nothing but 2 lent uncounted.
    await sales.admit({ saleId: 'drop-1', customerId: buyers[2]! })
    expect(await sales.stats({ saleId: 'drop-1' })).toMatchObject({
      remaining: 3,
      admitted: 3,
      held: 3,
      inTransit: 0,
    })
    expect((await slotState(sales, 'drop-1', 3))[0]).toMatchObject({ remaining: 1, borrowed: 2 })
  })

  it('5,000 concurrent admits over 8 connections into 4 slots admit exactly the quantity, then releases resell', async () => {
    const clock = createManualClock(START)
    const prefix = fixture.prefix()
    const pool = Array.from({ length: 8 }, () =>
      redisFlashSales({ redis: fixture.client(), prefix, clock, logger: silentLogger }),
    )
    await pool[0]!.createSale(sale({ saleId: 'hot', quantity: 317, slots: 4 }))
    const calls = Array.from({ length: 5_000 }, (_, i) =>
      pool[i % pool.length]!.admit({ saleId: 'hot', customerId: `cus_${i % 2_500}` }),
    )
    const results = await Promise.allSettled(calls)
    const admitted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const codes = new Set(
      results.flatMap((r) =>
        r.status === 'rejected' ? [isCommerceError(r.reason) ? r.reason.code : r.reason] : [],
      ),
    )
    expect(admitted).toHaveLength(317)
    expect(new Set(admitted.map((a) => a.ticket.customerId)).size).toBe(317)
    for (const code of codes) expect(['flash_sale.sold_out', 'flash_sale.already_admitted']).toContain(code)
    expect(await pool[3]!.stats({ saleId: 'hot' })).toMatchObject({
      remaining: 0,
      admitted: 317,
      held: 317,
      holders: 317,
      inTransit: 0,
    })

    // 50 winners give their units back at once while 500 newcomers race for them.
    const giving = admitted.slice(0, 50).map((a) => a.ticket.customerId)
    const releases = giving.map((customerId, i) => pool[i % 8]!.release({ saleId: 'hot', customerId }))
    const newcomers = Array.from({ length: 500 }, (_, i) =>
      pool[i % 8]!.admit({ saleId: 'hot', customerId: `new_${i}` }),
    )
    const [released, resales] = await Promise.all([Promise.all(releases), Promise.allSettled(newcomers)])
    expect(released.every((r) => r.released)).toBe(true)
    const resold = resales.filter((r) => r.status === 'fulfilled').length
    // Whatever the newcomers did not get in the race is still in the slots, never lost.
    const stats = await pool[5]!.stats({ saleId: 'hot' })
    expect(stats).toMatchObject({ admitted: 317 + resold, released: 50, held: 267 + resold, inTransit: 0 })
    expect(stats.remaining).toBe(50 - resold)
    for (let i = 0; stats.remaining > 0 && i < stats.remaining; i++) {
      await pool[0]!.admit({ saleId: 'hot', customerId: `late_${i}` })
    }
    expect(await pool[1]!.remaining({ saleId: 'hot' })).toBe(0)
    await expectCommerceError(pool[2]!.admit({ saleId: 'hot', customerId: 'last' }), 'flash_sale.sold_out')
    const held = await Promise.all(
      pool[0]!.slotKeysOf({ saleId: 'hot', slots: 4 }).map((k) => redis.hvals(k.customers)),
    )
    expect(held.flat().reduce((sum, v) => sum + Number(v), 0)).toBe(317)
  })

  it('a process that cached a slot count follows the id when it is created anew with another count', async () => {
    const { sales, other } = gate()
    const stale = other()
    await sales.createSale(sale({ quantity: 9, slots: 3 }))
    const buyer = customersOf(2, 3, 1)[0]!
    await stale.admit({ saleId: 'drop-1', customerId: buyer })
    // The sale goes away (its keys expire) and the id is used again, on one slot.
    for (const keys of sales.slotKeysOf({ saleId: 'drop-1', slots: 3 })) {
      await redis.unlink(keys.sale, keys.customers, keys.tickets, keys.holders)
    }
    await sales.createSale(sale({ quantity: 5, slots: 1 }))
    const { remaining } = await stale.admit({ saleId: 'drop-1', customerId: buyer })
    expect(remaining).toBe(4)
    expect(await stale.stats({ saleId: 'drop-1' })).toMatchObject({ slots: 1, admitted: 1 })
    // And back to four slots.
    const keys = sales.keysOf({ saleId: 'drop-1' })
    await redis.unlink(keys.sale, keys.customers, keys.tickets, keys.holders)
    await sales.createSale(sale({ quantity: 8, slots: 4 }))
    await stale.admit({ saleId: 'drop-1', customerId: buyer })
    expect(await stale.stats({ saleId: 'drop-1' })).toMatchObject({ slots: 4, admitted: 1, remaining: 7 })
  })

  it('tickets of a sale with slots are claimed and given back on the customer home slot', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 6, price: { amount: 999, currency: 'USD' } }))
    const buyer = customersOf(1, 3, 1)[0]!
    const { ticket } = await sales.admit({ saleId: 'drop-1', customerId: buyer })
    const claim = { tickets: [{ saleId: 'drop-1', ticketId: ticket.id }], customerId: buyer, claimKey: 'k1' }
    expect(await sales.claimTickets(claim)).toEqual([
      { saleId: 'drop-1', ticketId: ticket.id, sku: 'SNEAKER-42', price: { amount: 999, currency: 'USD' } },
    ])
    await expectCommerceError(sales.claimTickets({ ...claim, claimKey: 'k2' }), 'validation.failed')
    await expectCommerceError(
      sales.claimTickets({ ...claim, customerId: 'someone-else' }),
      'validation.failed',
    )
    await sales.unclaimTickets(claim)
    expect(await sales.claimTickets({ ...claim, claimKey: 'k2' })).toHaveLength(1)
  })

  it('waitForReplicas: a write too few replicas hold throws storage.unavailable; a refusal never waits', async () => {
    const prefix = fixture.prefix()
    const clock = createManualClock(START)
    const plain = redisFlashSales({ redis, prefix, clock, logger: silentLogger })
    // The test server has no replica: WAIT 1 times out after replicaWaitMs.
    const waiting = redisFlashSales({
      redis,
      prefix,
      clock,
      logger: silentLogger,
      waitForReplicas: 1,
      replicaWaitMs: 20,
    })
    await expectCommerceError(waiting.createSale(sale({ quantity: 3 })), 'storage.unavailable')
    // The master applied it all the same: the caller could not know it would survive a failover.
    expect(await plain.remaining({ saleId: 'drop-1' })).toBe(3)
    const error = await expectCommerceError(
      waiting.admit({ saleId: 'drop-1', customerId: 'a' }),
      'storage.unavailable',
    )
    expect(error.details).toMatchObject({ operation: 'flash sale admit', replicas: 1, acknowledged: 0 })
    // An admission that does not count holds no unit: it was given back at once.
    expect(await plain.held({ saleId: 'drop-1', customerId: 'a' })).toBe(0)
    expect(await plain.stats({ saleId: 'drop-1' })).toMatchObject({ remaining: 3, admitted: 1, released: 1 })
    for (const customerId of ['b', 'c', 'd']) await plain.admit({ saleId: 'drop-1', customerId })
    await expectCommerceError(
      waiting.admit({ saleId: 'drop-1', customerId: 'b' }),
      'flash_sale.already_admitted',
    )
    await expectCommerceError(waiting.admit({ saleId: 'drop-1', customerId: 'e' }), 'flash_sale.sold_out')
    for (const [options, path] of [
      [{ waitForReplicas: -1 }, 'waitForReplicas'],
      [{ waitForReplicas: 17 }, 'waitForReplicas'],
      [{ replicaWaitMs: 0 }, 'replicaWaitMs'],
      [{ slotSoldOutMs: -1 }, 'slotSoldOutMs'],
      [{ logger: {} }, 'logger'],
    ] as const) {
      expectConfigError(
        () => redisFlashSales({ redis, ...options } as never),
        'redisFlashSales options',
        path,
      )
    }
  })

  it('a half-created sale is invisible and vanishes by itself', async () => {
    const { sales } = gate()
    const keys = sales.slotKeysOf({ saleId: 'drop-1', slots: 3 })
    // What createSale leaves when it dies after writing slot 0 pending.
    await redis.hset(keys[0]!.sale, { sku: 'S', quantity: 9, remaining: 3, slots: 3, pending: 1 })
    await redis.pexpire(keys[0]!.sale, 60_000)
    await expectCommerceError(sales.admit({ saleId: 'drop-1', customerId: 'c' }), 'not_found')
    await expectCommerceError(sales.stats({ saleId: 'drop-1' }), 'not_found')
    await expectCommerceError(sales.remaining({ saleId: 'drop-1' }), 'not_found')
    expect(await sales.held({ saleId: 'drop-1', customerId: 'c' })).toBe(0)
    expect(await redis.pttl(keys[0]!.sale)).toBeGreaterThan(50_000)
  })
})
