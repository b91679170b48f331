import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { DEFAULT_CACHE_TTL_MS, MAX_CACHE_KEY_LENGTH, redisCache } from '@souk/adapters-redis'
import { silentLogger } from '@souk/core'
import { expectCommerceError, expectConfigError } from '@souk/core/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordingLogger } from './recording-logger.js'
import { type RedisFixture, redisFixture } from './support.js'

let fixture: RedisFixture
let redis: Redis
beforeAll(() => {
  fixture = redisFixture()
  redis = fixture.client()
})
afterAll(() => fixture.close())

/** A client whose server refuses connections, failing each command at once instead of queueing it. */
function unreachableClient(): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  client.on('error', () => undefined)
  return client
}

describe('redisCache on Redis', () => {
  it('stores JSON under <prefix>:cache:<key> with a PX TTL, defaultTtlMs when none is given', async () => {
    const prefix = fixture.prefix()
    const cache = redisCache({ redis, prefix, logger: silentLogger })
    await cache.set('product:p1', { price: 1999 })
    expect(cache.keyOf('product:p1')).toBe(`${prefix}:cache:product:p1`)
    expect(await redis.get(`${prefix}:cache:product:p1`)).toBe('{"price":1999}')
    const ttl = await redis.pttl(`${prefix}:cache:product:p1`)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(DEFAULT_CACHE_TTL_MS)

    const short = redisCache({ redis, prefix, defaultTtlMs: 10_000, logger: silentLogger })
    await short.set('x', 1)
    const shortTtl = await redis.pttl(short.keyOf('x'))
    expect(shortTtl).toBeGreaterThan(0)
    expect(shortTtl).toBeLessThanOrEqual(10_000)
  })

  it('caches under different prefixes never see each other', async () => {
    const a = redisCache({ redis, prefix: fixture.prefix(), logger: silentLogger })
    const b = redisCache({ redis, prefix: fixture.prefix(), logger: silentLogger })
    await a.set('same', 'from a', 60_000)
    expect(await b.get('same')).toBeUndefined()
    await b.delete(['same'])
    expect(await a.get('same')).toBe('from a')
  })

  it('validates its options with ConfigError', () => {
    const bad = [
      {},
      { redis: {} },
      { redis, prefix: 'has{brace}' },
      { redis, prefix: 'has space' },
      { redis, prefix: '' },
      { redis, defaultTtlMs: 0 },
      { redis, timeoutMs: 1.5 },
      { redis, surprise: true },
    ]
    for (const options of bad) expectConfigError(() => redisCache(options as never), 'redisCache options')
  })

  it('rejects oversized keys and key lists', async () => {
    const cache = redisCache({ redis, prefix: fixture.prefix(), logger: silentLogger })
    await expectCommerceError(cache.set('k'.repeat(MAX_CACHE_KEY_LENGTH + 1), 1, 1000), 'validation.failed')
    await expectCommerceError(cache.get('k'.repeat(MAX_CACHE_KEY_LENGTH + 1)), 'validation.failed')
    await expectCommerceError(
      cache.delete(Array.from({ length: 10_001 }, (_, i) => `k${i}`)),
      'validation.failed',
    )
    await cache.set('k'.repeat(MAX_CACHE_KEY_LENGTH), 'longest', 60_000)
    expect(await cache.get('k'.repeat(MAX_CACHE_KEY_LENGTH))).toBe('longest')
  })

  it('does not cache a value over maxValueBytes, and says so', async () => {
    const logger = recordingLogger()
    const cache = redisCache({ redis, prefix: fixture.prefix(), maxValueBytes: 100, logger })
    await cache.set('big', 'x'.repeat(200), 60_000)
    expect(await redis.exists(cache.keyOf('big'))).toBe(0)
    expect(logger.entries).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/too large/) }),
    ])
    await cache.set('small', 'x'.repeat(50), 60_000)
    expect(await cache.get('small')).toBe('x'.repeat(50))
  })

  it('answers an unreadable entry as a miss and reports it', async () => {
    const logger = recordingLogger()
    const cache = redisCache({ redis, prefix: fixture.prefix(), logger })
    await redis.set(cache.keyOf('garbled'), '{"not": json', 'PX', 60_000)
    expect(await cache.get('garbled')).toBeUndefined()
    expect(logger.entries.map((e) => e.message)).toEqual([expect.stringMatching(/unreadable/)])
  })

  it('deletes more keys than one UNLINK carries', async () => {
    const cache = redisCache({ redis, prefix: fixture.prefix(), logger: silentLogger })
    const keys = Array.from({ length: 1_234 }, (_, i) => `bulk:${i}`)
    const pipeline = redis.pipeline()
    for (const k of keys) pipeline.set(cache.keyOf(k), '1', 'PX', 60_000)
    await pipeline.exec()
    await cache.set('survivor', 1, 60_000)
    await cache.delete(keys)
    expect(await redis.exists(...keys.map((k) => cache.keyOf(k)))).toBe(0)
    expect(await cache.get('survivor')).toBe(1)
  })

  it('seeds a counter from the server clock and keeps it for counterTtlMs after each increment', async () => {
    const cache = redisCache({ redis, prefix: fixture.prefix(), counterTtlMs: 120_000, logger: silentLogger })
    const first = await cache.increment('ns:products')
    // Microseconds since the epoch: a restarted counter lands above anything it returned before.
    expect(first).toBeGreaterThan(1_000_000_000_000_000)
    expect(Number.isSafeInteger(first)).toBe(true)
    expect(await cache.increment('ns:products')).toBe(first + 1)
    const ttl = await redis.pttl(cache.keyOf('ns:products'))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(120_000)
  })

  it('increment of a key holding a non-number fails with storage.failed', async () => {
    const cache = redisCache({ redis, prefix: fixture.prefix(), logger: silentLogger })
    await cache.set('text', 'not a number', 60_000)
    const error = await expectCommerceError(cache.increment('text'), 'storage.failed')
    expect(error.details).toEqual({ backend: 'redis', operation: 'cache increment', reply: 'ERR' })
    expect(await cache.get('text')).toBe('not a number')
  })

  describe('when Redis is unreachable', () => {
    it('get answers a miss and set skips, both reported; delete and increment throw storage.unavailable', async () => {
      const client = unreachableClient()
      const logger = recordingLogger()
      const cache = redisCache({ redis: client, logger })
      expect(await cache.get('product:p1')).toBeUndefined()
      await cache.set('product:p1', { price: 1 }, 60_000)
      expect(logger.entries.map((e) => [e.level, e.message])).toEqual([
        ['warn', expect.stringMatching(/get failed/)],
        ['warn', expect.stringMatching(/set failed/)],
      ])
      const deleted = await expectCommerceError(cache.delete(['product:p1']), 'storage.unavailable')
      expect(deleted.details).toEqual({ backend: 'redis', operation: 'cache delete' })
      await expectCommerceError(cache.increment('ns'), 'storage.unavailable')
      // Bad input is still the caller's error, whatever the connection does.
      await expectCommerceError(cache.set('k', 1, -5), 'validation.failed')
      client.disconnect()
    })
  })

  describe('when Redis stops answering', () => {
    let server: Server
    const sockets: Socket[] = []
    beforeAll(async () => {
      // A real socket that accepts connections and never replies: a hung or partitioned server.
      server = createServer((socket) => void sockets.push(socket))
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
    })
    afterAll(async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    })

    it('get and set give up after timeoutMs instead of hanging the read', async () => {
      const address = server.address()
      if (address === null || typeof address === 'string') throw new TypeError('no port')
      const client = new Redis({ host: '127.0.0.1', port: address.port, lazyConnect: true })
      client.on('error', () => undefined)
      const logger = recordingLogger()
      const cache = redisCache({ redis: client, timeoutMs: 50, logger })
      expect(await cache.get('product:p1')).toBeUndefined()
      await cache.set('product:p1', 1, 60_000)
      expect(logger.entries.map((e) => e.message)).toEqual([
        expect.stringMatching(/get timed out/),
        expect.stringMatching(/set timed out/),
      ])
      client.disconnect()
    })
  })
})
