import { isCommerceError } from '@souk/core'
import { NO_STOCK_VIOLATIONS, stockInvariantViolations } from '@souk/test-harness'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { homeSlot } from '../src/flash-sales/flash-sale-slots.js'
import {
  type ClusterSaleFixture,
  hourFromNow,
  runFailoverSale,
  SCALE,
  SLOTS,
  startClusterSaleFixture,
} from './flash-sale-cluster-support.js'

// Sales split over slots on a real Redis Cluster (3 masters, 3 replicas on loopback ports, started
// by this file): the slots land on different masters, every master runs admissions, the gate admits
// exactly the quantity under heavy concurrency, and a planned master failover in the middle of a
// sale loses nothing. flash-sale-failover.scale.test.ts kills masters.

/** `count` customer ids whose home slot (of `slots`) is `slot`. */
function customersOf(slot: number, slots: number, count: number): string[] {
  const ids: string[] = []
  for (let i = 0; ids.length < count; i++)
    if (homeSlot(`home${slot}_${i}`, slots) === slot) ids.push(`home${slot}_${i}`)
  return ids
}

let fixture: ClusterSaleFixture
beforeAll(async () => {
  fixture = await startClusterSaleFixture('flash_cluster')
})
afterAll(() => fixture?.close())

/** Script calls (EVALSHA + EVAL) each node has run so far, asked of the node itself. */
async function scriptCalls(ports: readonly number[]): Promise<number[]> {
  return Promise.all(
    ports.map(async (port) => {
      const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true })
      try {
        await node.connect()
        const info = await node.info('commandstats')
        const calls = (name: string) =>
          Number(info.match(new RegExp(`cmdstat_${name}:calls=(\\d+)`))?.[1] ?? 0)
        return calls('evalsha') + calls('eval')
      } finally {
        node.disconnect()
      }
    }),
  )
}

describe('flash sales split over a real Redis Cluster', () => {
  it('puts the slots of a sale on different masters, and every master runs admissions', async () => {
    const [sales] = fixture.gates()
    const buyers = 1_500 * SCALE
    // Twice the buyers: no slot runs dry, so each buyer is served by exactly one script.
    const quantity = 2 * buyers
    await sales!.createSale({
      saleId: 'spread',
      sku: 'SPREAD',
      quantity,
      slots: SLOTS,
      endsAt: hourFromNow(),
    })
    const masters = (await fixture.cluster.masters()).map((m) => m.port)
    expect(masters).toHaveLength(3)
    const keys = sales!.slotKeysOf({ saleId: 'spread', slots: SLOTS })
    const owners = await Promise.all(keys.map((k) => fixture.masterOf(k.sale)))
    expect(new Set(owners)).toEqual(new Set(masters))
    // Each master holds its slot's key (asked of the node, not through the client's slot map).
    for (const [slot, port] of owners.entries()) {
      const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true })
      await node.connect()
      expect(await node.hget(keys[slot]!.sale, 'slot')).toBe(String(slot))
      node.disconnect()
    }

    const before = await scriptCalls(owners)
    await Promise.all(
      Array.from({ length: buyers }, (_, i) => sales!.admit({ saleId: 'spread', customerId: `c${i}` })),
    )
    const ran = (await scriptCalls(owners)).map((calls, i) => calls - before[i]!)
    // Every buyer was served by one script on their home slot, spread evenly.
    expect(ran.reduce((a, b) => a + b, 0)).toBe(buyers)
    for (const calls of ran) expect(calls).toBeGreaterThan(buyers / SLOTS / 2)
    expect(await sales!.stats({ saleId: 'spread' })).toMatchObject({
      admitted: buyers,
      remaining: quantity - buyers,
      inTransit: 0,
    })
  })

  it('admits exactly the quantity under heavy concurrency from 4 clients; the limit holds; releases lose no unit', async () => {
    const pool = fixture.gates()
    const quantity = 600 * SCALE
    const customers = 3_000 * SCALE
    await pool[0]!.createSale({
      saleId: 'hot',
      sku: 'HOT',
      quantity,
      perCustomerLimit: 2,
      slots: SLOTS,
      endsAt: hourFromNow(),
    })
    // Most of the crowd lives in slot 0; 50 customers each in slots 1 and 2 can take at most 100
    // of their slot's 200 units, so slot 0 must borrow at least 200 units from the others to sell
    // out. Every customer tries three times at once, through different clients.
    const crowd = [
      ...customersOf(0, SLOTS, customers - 100),
      ...customersOf(1, SLOTS, 50),
      ...customersOf(2, SLOTS, 50),
    ]
    const calls = Array.from({ length: 3 * customers }, (_, i) =>
      pool[i % pool.length]!.admit({ saleId: 'hot', customerId: crowd[i % customers]! }),
    )
    const results = await Promise.allSettled(calls)
    const tickets = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.ticket] : []))
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
    for (const error of failures) {
      expect(isCommerceError(error) ? error.code : String(error)).toMatch(
        /^flash_sale\.(sold_out|already_admitted)$/,
      )
    }
    expect(tickets).toHaveLength(quantity)
    const perCustomer = new Map<string, number>()
    for (const t of tickets) perCustomer.set(t.customerId, (perCustomer.get(t.customerId) ?? 0) + 1)
    expect(Math.max(...perCustomer.values())).toBeLessThanOrEqual(2)
    expect(await pool[1]!.stats({ saleId: 'hot' })).toMatchObject({
      quantity,
      remaining: 0,
      admitted: quantity,
      held: quantity,
      holders: perCustomer.size,
      inTransit: 0,
    })

    // A tenth of the winners give a unit back while new customers race for them.
    const giving = [...perCustomer.keys()].slice(0, quantity / 10)
    const releases = giving.map((customerId, i) => pool[i % 4]!.release({ saleId: 'hot', customerId }))
    const newcomers = Array.from({ length: 1_000 * SCALE }, (_, i) =>
      pool[i % 4]!.admit({ saleId: 'hot', customerId: `new_${i}` }),
    )
    const [released, resales] = await Promise.all([Promise.all(releases), Promise.allSettled(newcomers)])
    expect(released.every((r) => r.released)).toBe(true)
    const resold = resales.filter((r) => r.status === 'fulfilled').length
    const after = await pool[2]!.stats({ saleId: 'hot' })
    expect(after).toMatchObject({ released: giving.length, inTransit: 0, admitted: quantity + resold })
    // Not one unit lost: what is not held is still in the slots.
    expect(after.remaining + after.held).toBe(quantity)
    for (let i = 0; i < after.remaining; i++) await pool[3]!.admit({ saleId: 'hot', customerId: `late_${i}` })
    await expect(pool[0]!.admit({ saleId: 'hot', customerId: 'last' })).rejects.toMatchObject({
      code: 'flash_sale.sold_out',
    })
    // Read straight from the nodes: the customers hashes of the three slots hold exactly the quantity.
    const held = await Promise.all(
      pool[0]!.slotKeysOf({ saleId: 'hot', slots: SLOTS }).map((k) => fixture.redis.hvals(k.customers)),
    )
    expect(held.flat().reduce((sum, v) => sum + Number(v), 0)).toBe(quantity)
    // The tail of the sale ran the borrowing scripts (lend, credit, dry marks) on the real masters,
    // which refuse any script whose keys span two hash slots.
    const slotsState = await Promise.all(
      pool[0]!.slotKeysOf({ saleId: 'hot', slots: SLOTS }).map((k) => fixture.redis.hgetall(k.sale)),
    )
    const total = (field: string) => slotsState.reduce((sum, h) => sum + Number(h[field] ?? 0), 0)
    expect(total('borrowed')).toBeGreaterThan(0)
    expect(total('borrowed')).toBe(total('lent'))
    expect(slotsState.some((h) => h.dryUntil !== undefined)).toBe(true)
  })

  it('a manual master failover in the middle of a sale: nothing lost, the gate never over-admits, 0 oversold', async () => {
    const sale = await runFailoverSale(fixture, { kind: 'manual', waitForReplicas: 0, slot: 1 })
    console.info(sale.summary)
    const { counts, events, stats, stock, buyers } = sale
    expect(sale.moved.from.port).toBe(sale.masterPort)
    // Mid-sale: buyers got units before the master handed over and after.
    expect(events.ticketsBefore).toBeGreaterThan(0)
    expect(events.ticketsAfter).toBeGreaterThan(0)
    expect(await stockInvariantViolations(fixture.database.url)).toEqual(NO_STOCK_VIOLATIONS)
    expect(sale.reservedInDatabase).toBe(counts.reserved)
    expect(counts.reserved + counts.lostAtDatabase).toBe(counts.tickets)
    expect(counts.tickets + counts.turnedAway + counts.stranded).toBe(buyers)
    // CLUSTER FAILOVER waits until the replica has every write: no admission is lost, so the gate
    // admits the quantity and no more, and every unit is sold.
    expect(counts.tickets).toBe(stock)
    expect(counts.reserved).toBe(stock)
    expect(stats).toMatchObject({ admitted: stock, held: stock, remaining: 0, inTransit: 0 })
  })
})
