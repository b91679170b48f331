import { redisCache, redisInvalidationBus } from '@souk/adapters-redis'
import { createTieredCache, isCommerceError, type TieredCache } from '@souk/core'
import { type PrivateRedis, startPrivateRedis } from '@souk/test-harness'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordingLogger } from './recording-logger.js'

// Fault test: two processes' tiered caches on a Redis of their own that is SIGKILLed and started
// again empty. Nothing may throw out of get/set, no stale value may be served from a local tier
// while invalidations cannot arrive, and the subscription must come back by itself.

let server: PrivateRedis
const clients: Redis[] = []
const caches: TieredCache[] = []
const closers: (() => Promise<unknown>)[] = []
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => void uncaught.push(error)
const log = recordingLogger()

async function processOn(url: string): Promise<TieredCache> {
  // The options the example server uses: a couple of retries, then the command fails.
  const redis = new Redis(url, { maxRetriesPerRequest: 2 })
  redis.on('error', () => undefined)
  clients.push(redis)
  const bus = redisInvalidationBus({ redis, logger: log })
  const cache = createTieredCache({ shared: redisCache({ redis, logger: log }), bus, logger: log })
  closers.push(
    () => cache.close(),
    () => bus.close(),
  )
  caches.push(cache)
  return cache
}

const until = async (what: string, check: () => boolean) => {
  const deadline = Date.now() + 20_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

beforeAll(async () => {
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  server = await startPrivateRedis()
})

afterAll(async () => {
  for (const close of closers) await close()
  for (const client of clients) client.disconnect()
  await server?.destroy()
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

describe('tiered cache when Redis vanishes and returns', () => {
  it('falls back without throwing, serves nothing stale, and resubscribes on return', async () => {
    const a = await processOn(server.url)
    const b = await processOn(server.url)
    await until('both live', () => a.live && b.live)
    await a.set('product', 'v1', 60_000)
    expect(await b.get('product')).toBe('v1')
    expect(await b.get('product')).toBe('v1') // now in b's local tier

    await server.kill()
    await until('both noticed', () => !a.live && !b.live)
    expect(log.entries.some((e) => e.level === 'warn' && e.message.includes('lost'))).toBe(true)
    // Reads answer as misses (the caller reads its database), writes never throw from set.
    expect(await b.get('product')).toBeUndefined()
    await a.set('product', 'v2', 60_000)
    const failures = await Promise.all([
      a.increment('gen').catch((e: unknown) => e),
      a.delete(['product']).catch((e: unknown) => e),
    ])
    for (const failure of failures)
      expect(isCommerceError(failure) && failure.code).toBe('storage.unavailable')

    await server.start()
    await until('both resubscribed', () => a.live && b.live)
    // The bus's subscriber connection can be back before the command connection's retry: a set
    // made before that is dropped (a cache write never throws), so wait for both.
    await until('both command connections ready', () => clients.every((c) => c.status === 'ready'))
    // Back with an empty Redis: an invalidation in one reaches the other before it returns again.
    expect(await b.get('product')).toBeUndefined()
    await a.set('product', 'v3', 60_000)
    expect(await b.get('product')).toBe('v3')
    expect(await b.get('product')).toBe('v3') // from b's local tier
    await a.delete(['product'])
    expect(await b.get('product')).toBeUndefined()
    const gen = await a.increment('gen')
    expect(await b.get('gen')).toBe(gen)
    expect(await b.get('gen')).toBe(gen)
    expect(await a.increment('gen')).toBeGreaterThan(gen)
    expect(await b.get('gen')).toBeGreaterThan(gen)
    expect(b.stats().localHits).toBeGreaterThan(0)
    expect(uncaught).toEqual([])
  })
})
