import { type FlashSales, redisFlashSales } from '@souk/adapters-redis'
import { createManualClock, isCommerceError, type ManualClock } from '@souk/core'
import { expectCommerceError, expectConfigError } from '@souk/core/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisFixture, redisFixture } from './support.js'

let fixture: RedisFixture
let redis: Redis
beforeAll(() => {
  fixture = redisFixture()
  redis = fixture.client()
})
afterAll(() => fixture.close())

const HOUR = 60 * 60 * 1000
const START = new Date('2030-01-01T10:00:00.000Z')

/** A gate under a fresh prefix, on a manual clock standing at START. */
function gate(client: Redis = redis): { sales: FlashSales; clock: ManualClock; prefix: string } {
  const clock = createManualClock(START)
  const prefix = fixture.prefix()
  return { sales: redisFlashSales({ redis: client, prefix, clock }), clock, prefix }
}

const sale = (over: Record<string, unknown> = {}) => ({
  saleId: 'drop-1',
  sku: 'SNEAKER-42',
  quantity: 3,
  endsAt: new Date(START.getTime() + HOUR),
  ...over,
})

describe('redisFlashSales', () => {
  it('validates its options with ConfigError', () => {
    for (const [options, path] of [
      [{}, 'redis'],
      [{ redis: {} }, 'redis'],
      [{ redis, prefix: 'has{brace}' }, 'prefix'],
      [{ redis, retainMs: -1 }, 'retainMs'],
      [{ redis, clock: {} }, 'clock'],
      [{ redis, surprise: true }, ''],
    ] as const) {
      expectConfigError(() => redisFlashSales(options as never), 'redisFlashSales options', path)
    }
  })

  it('createSale stores the sale under the {sale:<id>} hash tag, kept until endsAt + retainMs', async () => {
    const { sales, prefix } = gate()
    const created = await sales.createSale(sale({ perCustomerLimit: 2 }))
    expect(created).toEqual({
      id: 'drop-1',
      sku: 'SNEAKER-42',
      quantity: 3,
      perCustomerLimit: 2,
      startsAt: START,
      endsAt: new Date(START.getTime() + HOUR),
      price: null,
      slots: 1,
    })
    const keys = sales.keysOf({ saleId: 'drop-1' })
    expect(keys).toEqual({
      sale: `${prefix}:flash:{sale:drop-1}`,
      customers: `${prefix}:flash:{sale:drop-1}:customers`,
      tickets: `${prefix}:flash:{sale:drop-1}:tickets`,
      claims: `${prefix}:flash:{sale:drop-1}:claims`,
      holders: `${prefix}:flash:{sale:drop-1}:holders`,
    })
    expect(await redis.hgetall(keys.sale)).toEqual({
      sku: 'SNEAKER-42',
      quantity: '3',
      remaining: '3',
      limit: '2',
      startsAt: String(START.getTime()),
      endsAt: String(START.getTime() + HOUR),
      expireAt: String(START.getTime() + HOUR + 7 * 24 * HOUR),
      admitted: '0',
      released: '0',
    })
    expect(await redis.call('PEXPIRETIME', keys.sale)).toBe(START.getTime() + HOUR + 7 * 24 * HOUR)
    await sales.admit({ saleId: 'drop-1', customerId: 'cus_1' })
    expect(await redis.call('PEXPIRETIME', keys.customers)).toBe(START.getTime() + HOUR + 7 * 24 * HOUR)
  })

  it('createSale refuses an existing id with a ConflictError and changes nothing', async () => {
    const { sales } = gate()
    await sales.createSale(sale())
    await sales.admit({ saleId: 'drop-1', customerId: 'cus_1' })
    await expectCommerceError(sales.createSale(sale({ quantity: 50 })), 'conflict')
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(2)
    expect(await sales.held({ saleId: 'drop-1', customerId: 'cus_1' })).toBe(1)
  })

  it('rejects bad sale input with validation.failed and stores nothing', async () => {
    const { sales, prefix } = gate()
    const bad = [
      { quantity: 0 },
      { quantity: -1 },
      { quantity: 1.5 },
      { quantity: Number.NaN },
      { quantity: 10 ** 12 },
      { quantity: '3' },
      { perCustomerLimit: 0 },
      { perCustomerLimit: 2.5 },
      { saleId: '' },
      { saleId: 'has{brace}' },
      { saleId: 'has space' },
      { saleId: 'x'.repeat(101) },
      { sku: '' },
      { sku: 'bad sku' },
      { endsAt: 'not a date' },
      { endsAt: new Date(START.getTime() - 1) },
      { endsAt: START },
      { startsAt: new Date(START.getTime() + 2 * HOUR) },
      { surprise: true },
    ]
    for (const over of bad) {
      await expectCommerceError(sales.createSale(sale(over) as never), 'validation.failed')
    }
    expect(await fixture.deletePrefix(prefix)).toBe(0)
  })

  it('admits one unit per call with a ticket, and counts down', async () => {
    const { sales } = gate()
    await sales.createSale(sale())
    const first = await sales.admit({ saleId: 'drop-1', customerId: 'cus_1' })
    expect(first).toEqual({
      admitted: true,
      remaining: 2,
      ticket: {
        id: expect.stringMatching(/^fst_[0-9A-Z]{26}$/),
        saleId: 'drop-1',
        customerId: 'cus_1',
        sku: 'SNEAKER-42',
        held: 1,
        admittedAt: START,
        price: null,
      },
    })
    const second = await sales.admit({ saleId: 'drop-1', customerId: 'someone@example.com' })
    expect(second.remaining).toBe(1)
    expect(second.ticket.id).not.toBe(first.ticket.id)
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(1)
    expect(await sales.stats({ saleId: 'drop-1' })).toEqual({
      id: 'drop-1',
      sku: 'SNEAKER-42',
      quantity: 3,
      perCustomerLimit: 1,
      startsAt: START,
      endsAt: new Date(START.getTime() + HOUR),
      price: null,
      remaining: 1,
      admitted: 2,
      released: 0,
      held: 2,
      holders: 2,
      slots: 1,
      inTransit: 0,
    })
  })

  it('sells out at the quantity; a customer at the limit hears already_admitted', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 2 }))
    await sales.admit({ saleId: 'drop-1', customerId: 'a' })
    const again = await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: 'a' }),
      'flash_sale.already_admitted',
    )
    expect(again.details).toEqual({ saleId: 'drop-1', customerId: 'a', held: 1, limit: 1 })
    await sales.admit({ saleId: 'drop-1', customerId: 'b' })
    const soldOut = await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: 'c' }),
      'flash_sale.sold_out',
    )
    expect(soldOut.details).toEqual({ saleId: 'drop-1', customerId: 'c' })
    expect(soldOut.name).toBe('FlashSaleError')
    await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: 'a' }),
      'flash_sale.already_admitted',
    )
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(0)
    expect(await sales.held({ saleId: 'drop-1', customerId: 'c' })).toBe(0)
  })

  it('a per-customer limit above one admits that many, then refuses', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 10, perCustomerLimit: 3 }))
    for (const n of [1, 2, 3]) {
      const { ticket } = await sales.admit({ saleId: 'drop-1', customerId: 'bulk' })
      expect(ticket.held).toBe(n)
    }
    const refused = await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: 'bulk' }),
      'flash_sale.already_admitted',
    )
    expect(refused.details).toMatchObject({ held: 3, limit: 3 })
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(7)
    expect(await sales.held({ saleId: 'drop-1', customerId: 'bulk' })).toBe(3)
    expect((await sales.stats({ saleId: 'drop-1' })).holders).toBe(1)
  })

  it('release gives a slot back exactly once, even when releases race', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 1 }))
    await sales.admit({ saleId: 'drop-1', customerId: 'winner' })
    await expectCommerceError(sales.admit({ saleId: 'drop-1', customerId: 'next' }), 'flash_sale.sold_out')
    const releases = await Promise.all(
      Array.from({ length: 50 }, () => sales.release({ saleId: 'drop-1', customerId: 'winner' })),
    )
    expect(releases.filter((r) => r.released)).toHaveLength(1)
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(1)
    expect(await sales.release({ saleId: 'drop-1', customerId: 'winner' })).toEqual({ released: false })
    expect(await sales.release({ saleId: 'drop-1', customerId: 'never-admitted' })).toEqual({
      released: false,
    })
    expect(await sales.held({ saleId: 'drop-1', customerId: 'winner' })).toBe(0)
    expect(await redis.hexists(sales.keysOf({ saleId: 'drop-1' }).customers, 'winner')).toBe(0)
    const next = await sales.admit({ saleId: 'drop-1', customerId: 'next' })
    expect(next.remaining).toBe(0)
    expect(await sales.stats({ saleId: 'drop-1' })).toMatchObject({
      remaining: 0,
      admitted: 2,
      released: 1,
      held: 1,
      holders: 1,
    })
    // The released customer may come back while units remain (here none do).
    await expectCommerceError(sales.admit({ saleId: 'drop-1', customerId: 'winner' }), 'flash_sale.sold_out')
  })

  it('release of one of several admissions keeps the others', async () => {
    const { sales } = gate()
    await sales.createSale(sale({ quantity: 5, perCustomerLimit: 2 }))
    await sales.admit({ saleId: 'drop-1', customerId: 'c' })
    await sales.admit({ saleId: 'drop-1', customerId: 'c' })
    expect(await sales.release({ saleId: 'drop-1', customerId: 'c' })).toEqual({ released: true })
    expect(await sales.held({ saleId: 'drop-1', customerId: 'c' })).toBe(1)
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(4)
  })

  it('refuses admission before startsAt and from endsAt on', async () => {
    const { sales, clock } = gate()
    await sales.createSale(
      sale({ startsAt: new Date(START.getTime() + HOUR), endsAt: new Date(START.getTime() + 2 * HOUR) }),
    )
    const early = await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: 'c' }),
      'flash_sale.not_started',
    )
    expect(early.details).toEqual({
      saleId: 'drop-1',
      customerId: 'c',
      startsAt: '2030-01-01T11:00:00.000Z',
      endsAt: '2030-01-01T12:00:00.000Z',
    })
    clock.advance(HOUR)
    await sales.admit({ saleId: 'drop-1', customerId: 'c' })
    clock.advance(HOUR - 1)
    await sales.admit({ saleId: 'drop-1', customerId: 'd' })
    clock.advance(1)
    const late = await expectCommerceError(
      sales.admit({ saleId: 'drop-1', customerId: 'e' }),
      'flash_sale.ended',
    )
    expect(late.details).toMatchObject({ endsAt: '2030-01-01T12:00:00.000Z' })
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(1)
    // A late release still returns the unit, harmlessly: nobody can be admitted any more.
    expect(await sales.release({ saleId: 'drop-1', customerId: 'c' })).toEqual({ released: true })
  })

  it('answers not_found for an unknown sale and validation.failed for bad ids', async () => {
    const { sales, prefix } = gate()
    await expectCommerceError(sales.admit({ saleId: 'nope', customerId: 'c' }), 'not_found')
    await expectCommerceError(sales.release({ saleId: 'nope', customerId: 'c' }), 'not_found')
    await expectCommerceError(sales.remaining({ saleId: 'nope' }), 'not_found')
    await expectCommerceError(sales.stats({ saleId: 'nope' }), 'not_found')
    for (const input of [
      { saleId: 'nope', customerId: '' },
      { saleId: 'nope', customerId: 'x'.repeat(201) },
      { saleId: 'nope', customerId: 'tab\there' },
      { saleId: '{x}', customerId: 'c' },
      { saleId: 'nope', customerId: 'c', quantity: 5 },
      { saleId: 'nope' },
    ]) {
      await expectCommerceError(sales.admit(input as never), 'validation.failed')
      await expectCommerceError(sales.release(input as never), 'validation.failed')
    }
    await expectCommerceError(sales.remaining({ saleId: 'a b' }), 'validation.failed')
    expect(await fixture.deletePrefix(prefix)).toBe(0)
  })

  it('keeps working after Redis forgets its scripts (NOSCRIPT falls back to EVAL)', async () => {
    const { sales } = gate()
    await sales.createSale(sale())
    await sales.admit({ saleId: 'drop-1', customerId: 'a' })
    // What a failover to a fresh replica does. Harmless to other tests: ioredis re-sends scripts.
    await redis.script('FLUSH')
    await sales.admit({ saleId: 'drop-1', customerId: 'b' })
    expect(await sales.release({ saleId: 'drop-1', customerId: 'a' })).toEqual({ released: true })
    expect(await sales.remaining({ saleId: 'drop-1' })).toBe(2)
  })

  it('5,000 concurrent admits over a pool of 8 connections admit exactly the quantity', async () => {
    const clock = createManualClock(START)
    const prefix = fixture.prefix()
    const pool = Array.from({ length: 8 }, () => redisFlashSales({ redis: fixture.client(), prefix, clock }))
    await pool[0]!.createSale(sale({ saleId: 'hot', quantity: 317 }))
    // 2,500 customers, each trying twice at once: the gate must also hold the one-per-customer rule.
    const calls = Array.from({ length: 5_000 }, (_, i) =>
      pool[i % pool.length]!.admit({ saleId: 'hot', customerId: `cus_${i % 2_500}` }),
    )
    const results = await Promise.allSettled(calls)
    const admitted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
    expect(admitted).toHaveLength(317)
    expect(new Set(admitted.map((a) => a.ticket.customerId)).size).toBe(317)
    expect(new Set(admitted.map((a) => a.remaining))).toEqual(
      new Set(Array.from({ length: 317 }, (_, i) => i)),
    )
    const codes = new Set(reasons.map((e: unknown) => (isCommerceError(e) ? e.code : String(e))))
    for (const code of codes) expect(['flash_sale.sold_out', 'flash_sale.already_admitted']).toContain(code)
    expect(await pool[3]!.stats({ saleId: 'hot' })).toMatchObject({
      remaining: 0,
      admitted: 317,
      held: 317,
      holders: 317,
    })
    // Read straight from Redis: 317 customers, each holding exactly one.
    const holders = await redis.hgetall(pool[0]!.keysOf({ saleId: 'hot' }).customers)
    expect(Object.keys(holders)).toHaveLength(317)
    expect(new Set(Object.values(holders))).toEqual(new Set(['1']))
  })
})
