import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import {
  CART_FENCE_TTL_MS,
  DEFAULT_CART_CACHE_TTL_MS,
  type RedisCartStore,
  type RedisCartStoreOptions,
  redisCartStore,
} from '@souk/adapters-redis'
import { type CartRecord, type CartStore, createManualClock, silentLogger } from '@souk/core'
import { expectCommerceError, expectConfigError } from '@souk/core/testing'
import calculateSlot from 'cluster-key-slot'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addQuantity,
  type CartDatabase,
  cartDatabase,
  casRetry,
  newCart,
  unreachableClient,
} from './cart-support.js'
import { recordingLogger } from './recording-logger.js'
import { type RedisFixture, redisFixture } from './support.js'

let database: CartDatabase
let durable: CartStore
let fixture: RedisFixture
let redis: Redis
beforeAll(async () => {
  database = await cartDatabase('redis_cart_store', 30)
  durable = database.storage.carts
  fixture = redisFixture()
  redis = fixture.client()
})
afterAll(async () => {
  await fixture?.close()
  await database?.close()
})

/** A store on the shared test client under a fresh prefix (or the given one). */
function store(over: Partial<RedisCartStoreOptions> = {}): RedisCartStore {
  return redisCartStore({ redis, durable, prefix: fixture.prefix(), logger: silentLogger, ...over })
}

/** The raw hash of a cart's entry, read straight from Redis. */
async function entryOf(s: RedisCartStore, id: string): Promise<Record<string, string>> {
  return redis.hgetall(s.keyOf(id))
}

/** A durable store whose first `get` reads, then stalls until `release()`: a slow read-through. */
function stallingReads(inner: CartStore): { store: CartStore; started: Promise<void>; release(): void } {
  let release: () => void = () => undefined
  const stalled = new Promise<void>((resolve) => {
    release = resolve
  })
  let markStarted: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    markStarted = resolve
  })
  const store: CartStore = {
    ...inner,
    async get(id) {
      const read = await inner.get(id)
      markStarted()
      await stalled
      return read
    },
  }
  return { store, started, release: () => release() }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys.sort()
}

const address = { name: 'Ada Lovelace', line1: '2026-01-01T00:00:00.000Z', city: 'London', country: 'GB' }

/** A cart using every field, with Dates that have milliseconds. */
function fullCart(over: Partial<CartRecord> = {}): CartRecord {
  return newCart({
    customerId: 'cus_ada',
    lines: [
      { sku: 'A', quantity: 2, addedAt: new Date(Date.UTC(2026, 0, 1, 9, 30, 15, 123)) },
      { sku: 'B', quantity: 1, addedAt: new Date(Date.UTC(2026, 0, 2, 23, 59, 59, 999)) },
    ],
    email: 'ada@example.com',
    promoCode: 'TEN',
    shippingAddress: address,
    shippingMethodId: 'shm_1',
    createdAt: new Date(Date.UTC(2026, 0, 1, 9, 0, 0, 1)),
    updatedAt: new Date(Date.UTC(2026, 0, 2, 23, 59, 59, 999)),
    ...over,
  })
}

describe('redisCartStore: layout', () => {
  it('keeps one hash per cart under <prefix>:cart:{<cartId>}, in the slot of the id, with a PX TTL', async () => {
    const s = store()
    const cart = fullCart()
    const startedAt = Date.now()
    await s.insert(cart)
    const key = `${s.prefix}:cart:{${cart.id}}`
    expect(s.keyOf(cart.id)).toBe(key)
    expect(calculateSlot(key)).toBe(calculateSlot(cart.id))
    const entry = await entryOf(s, cart.id)
    expect(Object.keys(entry).sort()).toEqual(['d', 'e', 'v'])
    expect(entry.v).toBe('1')
    expect(entry.e).toBe(String(cart.expiresAt.getTime()))
    const ttl = await redis.pttl(key)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(Math.min(DEFAULT_CART_CACHE_TTL_MS, cart.expiresAt.getTime() - startedAt))

    await s.save({ cart: { ...cart, promoCode: null }, expectedVersion: 1 })
    await s.get(cart.id)
    expect(await keysUnder(s.prefix)).toEqual([key])
    expect((await entryOf(s, cart.id)).v).toBe('2')
  })

  it('touches one key per command, declared by every script: nothing spans two carts (Cluster-safe)', async () => {
    const s = store()
    const monitor = await fixture.client().monitor()
    const seen: string[][] = []
    const marker = `${s.prefix}:done`
    const done = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[]) => {
        seen.push(args)
        if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolve()
      })
    })
    const a = newCart()
    const b = newCart()
    await Promise.all([s.insert(a), s.insert(b)])
    await s.save({ cart: a, expectedVersion: 1 })
    await expectCommerceError(s.save({ cart: a, expectedVersion: 1 }), 'conflict')
    await s.refresh(b.id)
    for (const c of [a, b]) await redis.del(s.keyOf(c.id)) // one key per DEL, like an eviction
    await Promise.all([s.get(a.id), s.get(b.id), s.get('cart_missing')])
    await s.delete(b.id)
    await redis.echo(marker)
    await done
    monitor.disconnect()

    const ours = seen.filter((args) => args.some((arg) => arg.startsWith(`${s.prefix}:cart:`)))
    const scripts = ours.filter((args) => ['eval', 'evalsha'].includes(args[0]?.toLowerCase() ?? ''))
    expect(scripts.length).toBeGreaterThanOrEqual(9)
    for (const args of scripts) expect(args[2], 'each script declares exactly one key').toBe('1')
    for (const args of ours) {
      const keys = new Set(args.filter((arg) => arg.startsWith(`${s.prefix}:cart:`)))
      expect(keys.size, JSON.stringify(args)).toBe(1)
    }
  })

  it('caps the copy at ttlMs and at the cart expiry, and keeps only a fence for an expired cart', async () => {
    const s = store({ ttlMs: 60_000 })
    const long = newCart()
    const soon = newCart({ expiresAt: new Date(Date.now() + 10_000) })
    const gone = newCart({ expiresAt: new Date(Date.UTC(2020, 0, 1)) })
    for (const c of [long, soon, gone]) await s.insert(c)
    expect(await redis.pttl(s.keyOf(long.id))).toBeLessThanOrEqual(60_000)
    expect(await redis.pttl(s.keyOf(soon.id))).toBeLessThanOrEqual(10_000)
    expect(await entryOf(s, gone.id)).toEqual({ v: '1' })
    expect(await redis.pttl(s.keyOf(gone.id))).toBeLessThanOrEqual(CART_FENCE_TTL_MS)
    // The port returns expired carts (the cart service decides what expiry means): from Postgres.
    expect(await s.get(gone.id)).toEqual(gone)
  })

  it('round-trips every field exactly, Dates to the millisecond, date-like strings as strings', async () => {
    const s = store()
    const cart = fullCart()
    await s.insert(cart)
    const reader = redisCartStore({ redis, durable, prefix: s.prefix, logger: silentLogger })
    const read = await reader.get(cart.id)
    expect(read).toEqual(cart)
    expect(read?.lines[0]?.addedAt).toBeInstanceOf(Date)
    expect(read?.lines[0]?.addedAt.getTime()).toBe(Date.UTC(2026, 0, 1, 9, 30, 15, 123))
    expect(read?.shippingAddress?.line1).toBe('2026-01-01T00:00:00.000Z')
    expect(await durable.get(cart.id)).toEqual(read)
  })

  it('sends ids outside the key alphabet straight to the durable store', async () => {
    const s = store()
    const cart = newCart({ id: 'cart {odd} id' })
    await s.insert(cart)
    expect(await s.get(cart.id)).toEqual(cart)
    expect((await s.save({ cart, expectedVersion: 1 })).version).toBe(2)
    await s.delete(cart.id)
    expect(await s.get(cart.id)).toBeNull()
    expect(await keysUnder(s.prefix)).toEqual([])
  })

  it('validates its options with ConfigError', () => {
    const bad: unknown[] = [
      {},
      { redis },
      { redis: {}, durable },
      { redis, durable: { get() {} } },
      { redis, durable, prefix: '{x}' },
      { redis, durable, ttlMs: 0 },
      { redis, durable, ttlMs: 1.5 },
      { redis, durable, timeoutMs: -1 },
      { redis, durable, clock: {} },
      { redis, durable, logger: {} },
      { redis, durable, unknown: true },
    ]
    for (const options of bad)
      expectConfigError(() => redisCartStore(options as RedisCartStoreOptions), 'redisCartStore options')
  })
})

describe('redisCartStore: Redis in front, Postgres the truth', () => {
  it('serves reads from Redis; a write made past it shows after a conflicting save or refresh()', async () => {
    const s = store()
    const cart = newCart()
    await s.insert(cart)
    // Another program writes Postgres directly: this store cannot know (the documented assumption)...
    await durable.save({ cart: { ...cart, promoCode: 'DIRECT' }, expectedVersion: 1 })
    const stale = await s.get(cart.id)
    expect(stale?.version).toBe(1)
    // ...but a save from that copy conflicts in Postgres, and the conflict refreshes Redis.
    await expectCommerceError(
      s.save({ cart: { ...cart, promoCode: 'MINE' }, expectedVersion: 1 }),
      'conflict',
    )
    expect(await s.get(cart.id)).toMatchObject({ version: 2, promoCode: 'DIRECT' })

    await durable.save({ cart: { ...cart, promoCode: 'AGAIN' }, expectedVersion: 2 })
    expect(await s.refresh(cart.id)).toMatchObject({ version: 3, promoCode: 'AGAIN' })
    expect(await s.get(cart.id)).toMatchObject({ version: 3, promoCode: 'AGAIN' })

    await durable.delete(cart.id)
    expect(await s.refresh(cart.id)).toBeNull()
    expect(await s.get(cart.id)).toBeNull()
    expect((await entryOf(s, cart.id)).v).toBe(String(Number.MAX_SAFE_INTEGER))
  })

  it('keeps only a fence for a checked-out cart, so a reopen past the store is seen at once', async () => {
    const s = store()
    const cart = newCart({ lines: [{ sku: 'A', quantity: 1, addedAt: new Date() }] })
    await s.insert(cart)
    // Checkout closes the cart (here through the store; the real one writes Postgres in its own
    // transaction), then a declined payment reopens it in Postgres, past the store.
    const closed = await s.save({ cart: { ...cart, orderId: 'ord_1' }, expectedVersion: 1 })
    expect(await entryOf(s, cart.id)).toEqual({ v: '2' })
    expect(await s.get(cart.id)).toEqual(closed)
    expect(await entryOf(s, cart.id)).toEqual({ v: '2' })
    const reopened = await durable.save({ cart: { ...closed, orderId: null }, expectedVersion: 2 })
    expect(await s.get(cart.id)).toEqual(reopened)
    expect((await entryOf(s, cart.id)).d).toBeDefined()
  })

  it('keeps a Redis copy that is already newer than a failed save, so contention costs no refill', async () => {
    const s = store()
    const cart = newCart()
    await s.insert(cart)
    const v2 = await s.save({ cart: { ...cart, promoCode: 'FIRST' }, expectedVersion: 1 })
    const before = await entryOf(s, cart.id)
    await expectCommerceError(
      s.save({ cart: { ...cart, promoCode: 'LOSER' }, expectedVersion: 1 }),
      'conflict',
    )
    expect(await entryOf(s, cart.id)).toEqual(before)
    expect(await s.get(cart.id)).toEqual(v2)
  })

  it('tombstones a save of a cart the durable store no longer has', async () => {
    const s = store()
    const cart = newCart()
    await s.insert(cart)
    await durable.delete(cart.id)
    await expectCommerceError(s.save({ cart, expectedVersion: 1 }), 'not_found')
    expect(await s.get(cart.id)).toBeNull()
    expect(await entryOf(s, cart.id)).toEqual({ v: String(Number.MAX_SAFE_INTEGER) })
  })

  it('a flush of Redis loses no cart: every cart reads back with identical content and version', async () => {
    const s = store()
    const carts: CartRecord[] = []
    for (let i = 0; i < 40; i++) {
      let cart = i % 2 === 0 ? fullCart() : newCart()
      await s.insert(cart)
      for (let edit = 0; edit < i % 4; edit++) {
        cart = await s.save({
          cart: addQuantity({ ...cart, promoCode: `P${edit}` }, `S${edit}`, edit + 1),
          expectedVersion: cart.version,
        })
      }
      carts.push(cart)
    }
    const before = await Promise.all(carts.map((c) => s.get(c.id)))
    expect(before).toEqual(carts)

    expect(await fixture.deletePrefix(s.prefix)).toBe(40)
    expect(await keysUnder(s.prefix)).toEqual([])

    expect(await Promise.all(carts.map((c) => s.get(c.id)))).toEqual(before)
    expect(await Promise.all(carts.map((c) => durable.get(c.id)))).toEqual(before)
    // And the copies are back: the next reads are Redis hits again.
    expect(await keysUnder(s.prefix)).toEqual(carts.map((c) => s.keyOf(c.id)).sort())
    for (const c of carts) expect((await entryOf(s, c.id)).v).toBe(String(c.version))
  })

  it('after a restart, a new store on an empty Redis serves every cart from Postgres', async () => {
    const prefix = fixture.prefix()
    const before = fixture.client()
    const first = redisCartStore({ redis: before, durable, prefix, logger: silentLogger })
    const carts: CartRecord[] = []
    for (let i = 0; i < 25; i++) {
      const cart = fullCart()
      await first.insert(cart)
      carts.push(await first.save({ cart: addQuantity(cart, 'A', i), expectedVersion: 1 }))
    }
    await before.quit()
    await fixture.deletePrefix(prefix) // what a Redis restart without persistence leaves

    const storage = database.open(5)
    const after = fixture.client()
    const second = redisCartStore({ redis: after, durable: storage.carts, prefix, logger: silentLogger })
    expect(await Promise.all(carts.map((c) => second.get(c.id)))).toEqual(carts)
    expect(await keysUnder(prefix)).toHaveLength(25)
    const edited = await second.save({
      cart: { ...carts[0]!, email: 'back@example.com' },
      expectedVersion: 2,
    })
    expect(edited.version).toBe(3)
    expect(await second.get(edited.id)).toEqual(edited)
  })

  it('two processes racing 50 read-change-save increments lose no update, with Redis flushed mid-race', async () => {
    const prefix = fixture.prefix()
    // Two "processes": each its own Redis connection and its own Postgres pool.
    const one = redisCartStore({ redis: fixture.client(), durable, prefix, logger: silentLogger })
    const two = redisCartStore({
      redis: fixture.client(),
      durable: database.open(15).carts,
      prefix,
      logger: silentLogger,
    })
    const cart = newCart()
    await one.insert(cart)

    let racing = true
    let flushes = 0
    const flusher = (async () => {
      while (racing) {
        await fixture.deletePrefix(prefix)
        flushes++
        await new Promise((resolve) => setTimeout(resolve, 3))
      }
    })()
    const attempts = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        casRetry(i % 2 === 0 ? one : two, cart.id, (c) => addQuantity(c, 'A', 1)),
      ),
    )
    racing = false
    await flusher

    const final = await durable.get(cart.id)
    expect(final?.lines).toEqual([expect.objectContaining({ sku: 'A', quantity: 50 })])
    expect(final?.version).toBe(51)
    expect(attempts.reduce((a, b) => a + b, 0)).toBeGreaterThan(50) // they really collided
    expect(flushes).toBeGreaterThan(0)
    // Redis never went backwards: whatever it holds now is the final cart, or nothing.
    const entry = await entryOf(one, cart.id)
    if (entry.d !== undefined) expect(entry.v).toBe('51')
    expect(await one.get(cart.id)).toEqual(final)
    expect(await two.get(cart.id)).toEqual(final)
  })

  it('a read-through overtaken by a save and a flush does not plant the old cart (read lease)', async () => {
    const prefix = fixture.prefix()
    const writer = redisCartStore({ redis, durable, prefix, logger: silentLogger })
    const cart = newCart()
    await writer.insert(cart)
    await fixture.deletePrefix(prefix)

    const gate = stallingReads(durable)
    const reader = redisCartStore({
      redis: fixture.client(),
      durable: gate.store,
      prefix,
      logger: silentLogger,
    })
    const pending = reader.get(cart.id) // misses, takes the lease, reads v1 from Postgres, stalls
    await gate.started
    const v2 = await writer.save({ cart: { ...cart, promoCode: 'NEW' }, expectedVersion: 1 })
    await fixture.deletePrefix(prefix) // a flush (or an eviction) right after the save
    gate.release()
    expect((await pending)?.version).toBe(1) // the reader answers what it read...
    expect(await keysUnder(prefix)).toEqual([]) // ...but does not copy it into the empty Redis
    expect(await writer.get(cart.id)).toEqual(v2)
  })

  it('a read-through overtaken by a save leaves the newer version in Redis', async () => {
    const prefix = fixture.prefix()
    const writer = redisCartStore({ redis, durable, prefix, logger: silentLogger })
    const cart = newCart()
    await writer.insert(cart)
    await fixture.deletePrefix(prefix)

    const gate = stallingReads(durable)
    const reader = redisCartStore({
      redis: fixture.client(),
      durable: gate.store,
      prefix,
      logger: silentLogger,
    })
    const pending = reader.get(cart.id)
    await gate.started
    await writer.save({ cart: { ...cart, promoCode: 'NEW' }, expectedVersion: 1 })
    gate.release()
    expect((await pending)?.version).toBe(1)
    expect(await entryOf(writer, cart.id)).toMatchObject({ v: '2' })
    expect(await reader.get(cart.id)).toMatchObject({ version: 2, promoCode: 'NEW' })
  })

  it('leaves a tombstone on delete that no write of an older version can undo', async () => {
    const s = store()
    const cart = newCart()
    await s.insert(cart)
    const v3 = await s.save({ cart: await s.save({ cart, expectedVersion: 1 }), expectedVersion: 2 })
    expect(v3.version).toBe(3)
    await s.delete(cart.id)
    expect(await entryOf(s, cart.id)).toEqual({ v: String(Number.MAX_SAFE_INTEGER) })
    expect(await redis.pttl(s.keyOf(cart.id))).toBeLessThanOrEqual(CART_FENCE_TTL_MS)
    expect(await s.get(cart.id)).toBeNull()
    // The id is written again at version 1: the tombstone refuses the copy; reads still see Postgres.
    await s.insert(cart)
    expect(await entryOf(s, cart.id)).toEqual({ v: String(Number.MAX_SAFE_INTEGER) })
    expect(await s.get(cart.id)).toEqual(cart)
  })

  it('never serves a copy past its expiry by the injected clock, so deleteExpired leaves nothing readable', async () => {
    const clock = createManualClock()
    const s = store({ clock })
    const cart = newCart({ expiresAt: new Date(clock.now().getTime() + 3_600_000) })
    await s.insert(cart)
    expect(await s.get(cart.id)).toEqual(cart)
    clock.advance(2 * 3_600_000)
    expect(await s.deleteExpired({ at: clock.now(), limit: 1000 })).toBeGreaterThanOrEqual(1)
    expect(await redis.exists(s.keyOf(cart.id))).toBe(1) // Redis's own TTL has not run out...
    expect(await s.get(cart.id)).toBeNull() // ...but the copy is expired, so Postgres answers
  })

  it('claims abandoned carts and finds open ones through the durable store', async () => {
    const s = store()
    const old = new Date(Date.UTC(2020, 0, 1))
    const customerId = `cus_${Date.now()}`
    const cart = newCart({ customerId, updatedAt: old, lines: [{ sku: 'A', quantity: 1, addedAt: old }] })
    await s.insert(cart)
    expect((await s.findOpenForCustomer(customerId))?.id).toBe(cart.id)
    const abandoned = await s.listAbandoned({ idleSince: new Date(Date.UTC(2020, 0, 2)), limit: 1000 })
    expect(abandoned.items.map((c) => c.id)).toContain(cart.id)
    const claimed = await s.claimAbandoned({
      idleSince: new Date(Date.UTC(2020, 0, 2)),
      at: new Date(),
      limit: 1000,
    })
    expect(claimed.map((c) => c.id)).toContain(cart.id)
    // Claiming changes no field of the cart, so the Redis copy is still the durable cart.
    expect(await s.get(cart.id)).toEqual(await durable.get(cart.id))
  })

  it('reads an entry it cannot decode from Postgres, logged, and the next write replaces it', async () => {
    const logger = recordingLogger()
    const s = store({ logger })
    const cart = newCart()
    await s.insert(cart)
    await redis.hset(s.keyOf(cart.id), 'd', '{"not":"a cart"}')
    expect(await s.get(cart.id)).toEqual(cart)
    expect(logger.entries.map((e) => e.message)).toEqual([expect.stringMatching(/unreadable Redis entry/)])
    await redis.set(s.keyOf(cart.id), 'a string, not a hash')
    expect(await s.get(cart.id)).toEqual(cart) // WRONGTYPE: logged, read from Postgres
    const saved = await s.save({ cart, expectedVersion: 1 })
    expect(await entryOf(s, cart.id)).toMatchObject({ v: '2' })
    expect(await s.get(cart.id)).toEqual(saved)
  })
})

describe('redisCartStore: when Redis fails', () => {
  it('with Redis down, gets and saves work from Postgres and every failure is logged', async () => {
    const down = unreachableClient()
    const logger = recordingLogger()
    const s = redisCartStore({ redis: down, durable, prefix: fixture.prefix(), logger })
    const cart = fullCart()
    await s.insert(cart)
    expect(await s.get(cart.id)).toEqual(cart)
    const saved = await s.save({ cart: addQuantity(cart, 'A', 1), expectedVersion: 1 })
    expect(saved.version).toBe(2)
    expect(await s.get(cart.id)).toEqual(saved)
    await expectCommerceError(s.save({ cart, expectedVersion: 1 }), 'conflict')
    expect(await durable.get(cart.id)).toEqual(saved)
    await s.delete(cart.id)
    expect(await s.get(cart.id)).toBeNull()
    expect(s.pendingRepairs()).toBe(1)
    expect(logger.entries.length).toBeGreaterThanOrEqual(5)
    expect(
      logger.entries.every(
        (e) => e.level === 'warn' && /souk cart store: Redis \w[\w-]* failed/.test(e.message),
      ),
    ).toBe(true)
    expect(logger.entries[0]?.fields).toMatchObject({ cartId: cart.id })
    down.disconnect()
  })

  it('a write whose Redis update failed is fenced as soon as Redis answers again', async () => {
    const prefix = fixture.prefix()
    const flaky = new Redis(fixture.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    flaky.on('error', () => undefined)
    await once(flaky, 'ready')
    const logger = recordingLogger()
    const s = redisCartStore({ redis: flaky, durable, prefix, logger })
    const other = redisCartStore({ redis, durable, prefix, logger: silentLogger }) // another process
    const cart = newCart()
    await s.insert(cart)

    flaky.disconnect() // the connection drops; Redis keeps the v1 copy
    const v2 = await s.save({ cart: { ...cart, promoCode: 'NEW' }, expectedVersion: 1 })
    expect(s.pendingRepairs()).toBe(1)
    expect(await entryOf(s, cart.id)).toMatchObject({ v: '1' })
    expect(await s.get(cart.id)).toEqual(v2) // this process never serves its own stale copy
    // Another process still reads v1 until the fence lands: the window the README describes.
    expect((await other.get(cart.id))?.version).toBe(1)

    await flaky.connect()
    const bystander = newCart()
    await s.insert(bystander) // any successful Redis call drains the repairs
    expect(s.pendingRepairs()).toBe(0)
    expect(await entryOf(s, cart.id)).toEqual({ v: '2' })
    expect(await other.get(cart.id)).toEqual(v2)
    expect(await entryOf(s, cart.id)).toMatchObject({ v: '2', d: expect.any(String) })
    await flaky.quit()
  })

  describe('a Redis that never answers', () => {
    let server: Server
    const sockets: Socket[] = []
    beforeAll(async () => {
      server = createServer((socket) => void sockets.push(socket))
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
    })
    afterAll(async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    })

    it('costs each call at most timeoutMs, then answers from Postgres', async () => {
      const where = server.address()
      if (where === null || typeof where === 'string') throw new TypeError('no port')
      const client = new Redis({ host: '127.0.0.1', port: where.port, lazyConnect: true })
      client.on('error', () => undefined)
      const logger = recordingLogger()
      const s = redisCartStore({ redis: client, durable, prefix: fixture.prefix(), timeoutMs: 50, logger })
      const cart = newCart()
      await s.insert(cart)
      expect(await s.save({ cart, expectedVersion: 1 })).toMatchObject({ version: 2 })
      expect(await s.get('cart_unknown')).toBeNull()
      expect(logger.entries.map((e) => e.message)).toEqual([
        expect.stringMatching(/insert timed out/),
        expect.stringMatching(/save timed out/),
        expect.stringMatching(/get timed out/),
      ])
      client.disconnect()
    })
  })
})
