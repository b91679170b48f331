import { type PostgresStorage, postgresStorage } from '@souk/adapters-postgres'
import { type FlashSaleStats, type FlashSales, redisFlashSales } from '@souk/adapters-redis'
import { type Commerce, createCommerce, isCommerceError, silentLogger } from '@souk/core'
import {
  createTestDatabase,
  type RedisCluster,
  type RedisFailover,
  startRedisCluster,
  type TestDatabase,
} from '@souk/test-harness'
import calculateSlot from 'cluster-key-slot'
import type { Cluster } from 'ioredis'

/** SOUK_SCALE_HEAVY=1 (pnpm test:scale) runs five times as many buyers. */
export const SCALE = process.env.SOUK_SCALE_HEAVY === '1' ? 5 : 1
/** Slots of the split sales: one per master. */
export const SLOTS = 3

/**
 * What the flash-sale cluster tests share: a real Redis Cluster of their own (3 masters, 3
 * replicas), four Cluster clients (four app processes), and a Postgres database with Souk.
 */
export interface ClusterSaleFixture {
  readonly cluster: RedisCluster
  /** The first client, for reading state. */
  readonly redis: Cluster
  readonly database: TestDatabase
  readonly commerce: Commerce
  /** One gate per client, all on one fresh prefix. */
  gates(waitForReplicas?: number): FlashSales[]
  /** The port of the master serving `key` now. */
  masterOf(key: string): Promise<number>
  close(): Promise<void>
}

export async function startClusterSaleFixture(label: string): Promise<ClusterSaleFixture> {
  const cluster = await startRedisCluster()
  const clients = Array.from({ length: 4 }, () => cluster.client())
  let database: TestDatabase | undefined
  let storage: PostgresStorage | undefined
  let commerce: Commerce | undefined
  let n = 0
  const close = async () => {
    for (const client of clients) client.disconnect()
    await commerce?.close()
    await database?.drop()
    await cluster.stop()
  }
  try {
    database = await createTestDatabase(label)
    storage = postgresStorage({ connectionString: database.url, poolSize: 40 })
    commerce = createCommerce({ storage, logger: silentLogger })
    await commerce.migrate()
  } catch (error) {
    await close()
    throw error
  }
  const redis = clients[0]!
  return {
    cluster,
    redis,
    database,
    commerce,
    gates(waitForReplicas = 0) {
      const prefix = `t${++n}`
      return clients.map((client) =>
        redisFlashSales({ redis: client, prefix, logger: silentLogger, waitForReplicas }),
      )
    },
    async masterOf(key) {
      const slot = calculateSlot(key)
      const ranges = await redis.cluster('SLOTS')
      const range = ranges.find(([from, to]) => slot >= from && slot <= to)
      if (!range) throw new Error(`no master serves hash slot ${slot}`)
      return range[2]![1]
    },
    close,
  }
}

export const hourFromNow = () => new Date(Date.now() + 3_600_000)
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface FailoverSale {
  readonly stock: number
  readonly buyers: number
  readonly masterPort: number
  readonly moved: RedisFailover
  /** Buyers by outcome, and Redis errors the buyers retried through. */
  readonly counts: {
    tickets: number
    reserved: number
    lostAtDatabase: number
    turnedAway: number
    stranded: number
    redisErrors: number
  }
  /**
   * When the failover began and ended (ms since epoch, the end as the harness saw the cluster
   * settled), and the tickets the gate issued before it began, after it began, and after it ended.
   */
  readonly events: {
    failoverAt: number
    failedOverAt: number
    ticketsBefore: number
    ticketsAfter: number
    ticketsAfterEnd: number
  }
  readonly reservedInDatabase: number
  readonly stats: FlashSaleStats
  /** One line for the test log. */
  readonly summary: string
}

/**
 * SPEC.md's hot drop on the cluster: 100 units on 3 slots, 1,000 buyers (×SCALE), 64 at a time,
 * each going through the gate (retrying while Redis fails over) and then reserving in Postgres as a
 * storefront does. A quarter of the way into the units, the master of sale slot `slot` fails over
 * (`kind`); a killed master is started again right after its replica took over, as an operator
 * (or an orchestrator) would, so every master has a replica again.
 */
export async function runFailoverSale(
  fixture: ClusterSaleFixture,
  options: { kind: 'manual' | 'kill'; waitForReplicas: number; slot: number },
): Promise<FailoverSale> {
  const { kind, waitForReplicas, slot } = options
  const { commerce, cluster } = fixture
  const stock = 100
  const buyers = 1_000 * SCALE
  const concurrency = 64
  const sku = `DROP-${kind.toUpperCase()}-${waitForReplicas}`
  const saleId = `drop-${kind}-${waitForReplicas}`
  const pool = fixture.gates(waitForReplicas)
  await commerce.inventory.setStock({ sku, onHand: stock, allowUnknownSku: true })
  await pool[0]!.createSale({ saleId, sku, quantity: stock, slots: SLOTS, endsAt: hourFromNow() })
  const masterPort = await fixture.masterOf(pool[0]!.slotKeysOf({ saleId, slots: SLOTS })[slot]!.sale)

  const counts = { tickets: 0, reserved: 0, lostAtDatabase: 0, turnedAway: 0, stranded: 0, redisErrors: 0 }
  /** One buyer; when the gate gave them a ticket, the time it did (ms since epoch), else null. */
  async function buy(customerId: string, sales: FlashSales): Promise<number | null> {
    let ticketId: string | undefined
    let admittedAt = 0
    for (let attempt = 0; ticketId === undefined; attempt++) {
      try {
        ticketId = (await sales.admit({ saleId, customerId })).ticket.id
        admittedAt = Date.now()
      } catch (error) {
        if (isCommerceError(error, 'flash_sale.sold_out')) {
          counts.turnedAway++
          return null
        }
        // Admitted by an attempt whose reply was lost in the failover: the unit is stuck at the gate.
        if (isCommerceError(error, 'flash_sale.already_admitted') && attempt > 0) {
          counts.stranded++
          return null
        }
        if (!(isCommerceError(error) && error.code.startsWith('storage.')) || attempt >= 150) throw error
        counts.redisErrors++
        await sleep(100)
      }
    }
    counts.tickets++
    try {
      await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }], reference: ticketId })
      counts.reserved++
    } catch (error) {
      if (!isCommerceError(error, 'inventory.insufficient_stock')) throw error
      counts.lostAtDatabase++
    }
    return admittedAt
  }

  // The first buyers arrive one every 40 ms, so the units last about four seconds and the failover
  // (SIGKILL: about two seconds until the replica takes over) falls inside the sale; the rest
  // arrive all at once after them.
  const paced = 150
  const started = Date.now()
  const events = { failoverAt: 0, failedOverAt: 0, ticketsBefore: 0, ticketsAfter: 0, ticketsAfterEnd: 0 }
  let failover: Promise<RedisFailover> | undefined
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < buyers) {
        const i = next++
        await sleep(started + Math.min(i, paced) * 40 - Date.now())
        if (i === 25) {
          events.failoverAt = Date.now()
          failover = cluster.failover({ kind, masterPort }).then(async (moved) => {
            events.failedOverAt = Date.now()
            if (kind === 'kill') await cluster.restart(moved.from.port)
            return moved
          })
        }
        const admittedAt = await buy(`cus_${i}`, pool[worker % pool.length]!)
        if (admittedAt === null) continue
        if (events.failoverAt === 0 || admittedAt < events.failoverAt) events.ticketsBefore++
        else events.ticketsAfter++
        if (events.failedOverAt > 0 && admittedAt > events.failedOverAt) events.ticketsAfterEnd++
      }
    }),
  )
  const moved = await failover!
  const reservedInDatabase = (await commerce.inventory.getLevels({ sku }))[0]!.reserved
  const stats = await pool[1]!.stats({ saleId })
  const label = `${kind}${waitForReplicas > 0 ? `, waitForReplicas ${waitForReplicas}` : ''}`
  return {
    stock,
    buyers,
    masterPort,
    moved,
    counts,
    events,
    reservedInDatabase,
    stats,
    summary: `[flash-sale cluster] ${label} failover of master ${masterPort} mid-sale (${events.failedOverAt - events.failoverAt} ms until its replica served; ${events.ticketsBefore} tickets before it, ${events.ticketsAfter} after it began, ${events.ticketsAfterEnd} of them after it ended): ${JSON.stringify(counts)}; gate after: admitted ${stats.admitted}, released ${stats.released}, held ${stats.held}, remaining ${stats.remaining}, inTransit ${stats.inTransit}; database: ${reservedInDatabase} reserved of ${stock}`,
  }
}
