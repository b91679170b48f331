import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  type Commerce,
  createCommerce,
  createManualClock,
  isCommerceError,
  type ManualClock,
  silentLogger,
} from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresFixture } from './support.js'

let fixture: Awaited<ReturnType<typeof postgresFixture>>
// Races on stock alone: the SKUs have no catalog product, so stock calls pass `allowUnknownSku: true`.
let commerce: Commerce
let clock: ManualClock

beforeAll(async () => {
  // 40 connections: enough that hundreds of concurrent calls really overlap in the database.
  fixture = await postgresFixture('inventory_races', 40)
  clock = createManualClock()
  commerce = createCommerce({ storage: fixture.storage, clock, logger: silentLogger })
})
afterAll(async () => {
  await commerce.close()
  await fixture.close()
})

interface Outcome {
  won: number
  short: number
  other: unknown[]
}

async function race<T>(
  calls: (() => Promise<T>)[],
): Promise<Outcome & { results: PromiseSettledResult<T>[] }> {
  const results = await Promise.allSettled(calls.map((call) => call()))
  const other = results.filter(
    (r) => r.status === 'rejected' && !isCommerceError(r.reason, 'inventory.insufficient_stock'),
  )
  return {
    results,
    won: results.filter((r) => r.status === 'fulfilled').length,
    short: results.length - results.filter((r) => r.status === 'fulfilled').length - other.length,
    other: other.map((r) => (r as PromiseRejectedResult).reason),
  }
}

/** Every invariant SPEC.md names, checked in SQL over the whole database. */
async function checkInvariants() {
  const db = fixture.storage.db
  const drift = await sql<{ sku: string; location_id: string; reserved: string; live: string }>`
    select l.sku, l.location_id, l.reserved, coalesce(sum(i.quantity) filter (where r.status = 'active'), 0) as live
    from souk.stock_levels l
    left join souk.reservation_items i on i.sku = l.sku and i.location_id = l.location_id
    left join souk.reservations r on r.id = i.reservation_id
    group by l.sku, l.location_id, l.reserved
    having l.reserved <> coalesce(sum(i.quantity) filter (where r.status = 'active'), 0)`.execute(db)
  expect(drift.rows, 'reserved equals the sum of live reservations').toEqual([])
  const oversold = await sql<{ sku: string }>`
    select l.sku from souk.stock_levels l join souk.inventory_items i on i.sku = l.sku
    where not i.allow_backorder and (l.on_hand < 0 or l.reserved > l.on_hand)`.execute(db)
  expect(oversold.rows, 'no SKU oversold').toEqual([])
}

describe('inventory under real concurrency (node-postgres, 40 connections)', () => {
  it('200 concurrent single-unit reservations against stock 50 give exactly 50 holds', async () => {
    await commerce.inventory.setStock({ sku: 'HOT', onHand: 50, allowUnknownSku: true })
    const outcome = await race(
      Array.from(
        { length: 200 },
        () => () => commerce.inventory.reserve({ lines: [{ sku: 'HOT', quantity: 1 }] }),
      ),
    )
    expect(outcome.other.map((e) => `${String(e)} ${JSON.stringify(e)}`)).toEqual([])
    expect(outcome.won).toBe(50)
    expect(outcome.short).toBe(150)
    expect(await commerce.inventory.getLevels({ sku: 'HOT' })).toEqual([
      { sku: 'HOT', locationId: 'default', onHand: 50, reserved: 50, available: 0 },
    ])
    await checkInvariants()
  })

  it('carts whose two lines draw on one SKU cannot oversell it', async () => {
    await commerce.inventory.setStock({ sku: 'PAIR', onHand: 11, allowUnknownSku: true })
    const cart = () =>
      commerce.inventory.reserve({
        lines: [
          { sku: 'PAIR', quantity: 1 },
          { sku: 'PAIR', quantity: 1 },
        ],
      })
    const outcome = await race(Array.from({ length: 40 }, () => cart))
    expect(outcome.other).toEqual([])
    expect(outcome.won).toBe(5)
    expect(await commerce.inventory.available({ sku: 'PAIR' })).toBe(1)
    await checkInvariants()
  })

  it('opposite-order multi-SKU carts over two locations surface no deadlock', async () => {
    for (const location of ['east', 'west']) {
      await commerce.inventory.upsertLocation({
        id: location,
        name: location,
        priority: location === 'east' ? 1 : 2,
      })
      for (const s of ['DA', 'DB', 'DC'])
        await commerce.inventory.setStock({
          sku: s,
          locationId: location,
          onHand: 120,
          allowUnknownSku: true,
        })
    }
    const orders = [
      ['DA', 'DB', 'DC'],
      ['DC', 'DB', 'DA'],
      ['DB', 'DA', 'DC'],
    ]
    const outcome = await race(
      Array.from({ length: 240 }, (_, i) => async () => {
        const r = await commerce.inventory.reserve({
          lines: orders[i % 3]!.map((s, k) => ({ sku: s, quantity: 1 + ((i + k) % 2) })),
        })
        if (i % 4 === 0) await commerce.inventory.release({ reservationId: r.id })
        else if (i % 4 === 1) await commerce.inventory.commit({ reservationId: r.id })
        return r
      }),
    )
    expect(outcome.other).toEqual([])
    expect(outcome.won).toBeGreaterThan(100)
    await checkInvariants()
  })

  it('a storm of reserve, commit, release and expiry keeps every counter exact', async () => {
    const skus = ['S1', 'S2', 'S3', 'S4']
    for (const s of skus) await commerce.inventory.setStock({ sku: s, onHand: 60, allowUnknownSku: true })
    const committed: string[] = []
    const released: string[] = []
    const storm = Array.from({ length: 300 }, (_, i) => async () => {
      const lines = [
        { sku: skus[i % 4]!, quantity: 1 + (i % 3) },
        { sku: skus[(i + 1) % 4]!, quantity: 1 },
      ]
      const r = await commerce.inventory.reserve({ lines, ttlMs: i % 5 === 0 ? 1000 : 600_000 })
      if (i % 5 === 1) {
        await commerce.inventory.commit({ reservationId: r.id })
        committed.push(r.id)
      } else if (i % 5 === 2) {
        await commerce.inventory.release({ reservationId: r.id })
        released.push(r.id)
      }
      return r
    })
    const sweeper = async () => {
      for (let k = 0; k < 10; k++) {
        await commerce.inventory.releaseExpired()
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    clock.advance(0)
    const [outcome] = await Promise.all([
      race(storm),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        clock.advance(5_000) // the 1-second holds are now due while the storm goes on
        await sweeper()
      })(),
    ])
    expect(outcome.other).toEqual([])
    await commerce.inventory.releaseExpired()
    await checkInvariants()
    const statuses = await fixture.storage.db.selectFrom('reservations').select(['id', 'status']).execute()
    const status = new Map(statuses.map((r) => [r.id, r.status]))
    for (const id of committed) expect(status.get(id)).toBe('committed')
    for (const id of released) expect(status.get(id)).toBe('released')
    // On hand moved by exactly what was committed.
    const sold = await sql<{ sku: string; sold: string }>`
      select i.sku, sum(i.quantity) as sold from souk.reservation_items i join souk.reservations r on r.id = i.reservation_id
      where r.status = 'committed' and i.sku = any(${skus}::text[]) group by i.sku`.execute(
      fixture.storage.db,
    )
    for (const row of sold.rows) {
      const [level] = await commerce.inventory.getLevels({ sku: row.sku })
      expect(level!.onHand).toBe(60 - Number(row.sold))
    }
  })

  it('three OS processes with their own pools sell exactly the stock', async () => {
    await commerce.inventory.setStock({ sku: 'MULTI', onHand: 60, allowUnknownSku: true })
    const worker = fileURLToPath(new URL('./race-worker.ts', import.meta.url))
    const run = promisify(execFile)
    const outputs = await Promise.all(
      [1, 2, 3].map(() =>
        run(
          process.execPath,
          ['--import', 'tsx', '--conditions=@souk/source', worker, fixture.database.url, 'MULTI', '50'],
          {
            cwd: fileURLToPath(new URL('..', import.meta.url)),
          },
        ),
      ),
    )
    const results = outputs.map(
      (o) => JSON.parse(o.stdout) as { won: number; lost: number; failures: string[] },
    )
    expect(results.flatMap((r) => r.failures)).toEqual([])
    expect(results.reduce((t, r) => t + r.won, 0)).toBe(60)
    expect(results.reduce((t, r) => t + r.lost, 0)).toBe(90)
    expect(await commerce.inventory.available({ sku: 'MULTI' })).toBe(0)
    await checkInvariants()
  }, 120_000)
})
