import { randomBytes } from 'node:crypto'
import { redisInvalidationBus } from '@souk/adapters-redis'
import { silentLogger } from '@souk/core'
import { invalidationBusSuite } from '@souk/core/testing'
import { type PrivateRedis, startPrivateRedis } from '@souk/test-harness'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisFixture, redisFixture } from './support.js'

let fixture: RedisFixture
let own: PrivateRedis
const ownClients: Redis[] = []

beforeAll(async () => {
  fixture = redisFixture()
  // A server of this file's own for the drop test: CLIENT KILL TYPE pubsub there cuts nobody else.
  own = await startPrivateRedis()
})
afterAll(async () => {
  for (const client of ownClients) client.disconnect()
  await own?.destroy()
  await fixture?.close()
})

describe('redisInvalidationBus on the test server', () => {
  invalidationBusSuite({ describe, it }, async () => {
    const redis = fixture.client()
    const prefix = fixture.prefix()
    return { open: () => redisInvalidationBus({ redis, prefix, logger: silentLogger }) }
  })
})

describe('redisInvalidationBus with dropped connections', () => {
  invalidationBusSuite({ describe, it }, async () => {
    const redis = new Redis(own.url, { maxRetriesPerRequest: 2 })
    redis.on('error', () => undefined)
    ownClients.push(redis)
    const prefix = `t-${randomBytes(6).toString('hex')}`
    return {
      open: () => redisInvalidationBus({ redis, prefix, logger: silentLogger }),
      async dropConnections() {
        await redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
      },
    }
  })
})

/** A bus on the test server that keeps its warnings, with one live subscription recording what it hears. */
async function watchedBus(timeoutMs?: number) {
  const redis = fixture.client()
  const warnings: string[] = []
  const bus = redisInvalidationBus({
    redis,
    prefix: fixture.prefix(),
    ...(timeoutMs ? { timeoutMs } : {}),
    logger: { ...silentLogger, warn: (message) => warnings.push(message) },
  })
  const heard: string[][] = []
  const sub = bus.subscribe({ invalidated: (keys) => heard.push([...keys]), live: () => undefined })
  while (!sub.live) await new Promise((r) => setTimeout(r, 5))
  return { redis, bus, warnings, heard }
}

describe('redisInvalidationBus', () => {
  it('publishes on {<prefix>:cache:invalidations}, tagged so that its own subscriptions skip it', async () => {
    const redis = fixture.client()
    const prefix = fixture.prefix()
    const bus = redisInvalidationBus({ redis, prefix, logger: silentLogger })
    const watcher = fixture.client()
    const heard: string[] = []
    watcher.on('message', (_channel: string, message: string) => heard.push(message))
    await watcher.subscribe(`{${prefix}:cache:invalidations}`)
    expect(bus.channel).toBe(`{${prefix}:cache:invalidations}`)
    await bus.publish(['a', 'b'], { wait: 'sent' })
    while (heard.length === 0) await new Promise((r) => setTimeout(r, 5))
    expect(JSON.parse(heard[0]!)).toEqual({ o: expect.any(String), n: 1, k: ['a', 'b'], c: false })
    await bus.close()
  })

  it('ignores unreadable messages on its channel and keeps delivering', async () => {
    const { redis, bus, warnings, heard } = await watchedBus()
    await redis.publish(bus.channel, 'not json')
    await redis.publish(bus.channel, JSON.stringify({ o: 'someone', n: 1, k: [42] }))
    await redis.publish(bus.channel, JSON.stringify({ o: 'someone', n: 2, k: ['fine'] }))
    while (heard.length === 0) await new Promise((r) => setTimeout(r, 5))
    expect(heard).toEqual([['fine']])
    expect(warnings.filter((w) => w.includes('unreadable'))).toHaveLength(2)
    await bus.close()
  })

  it('a receiver that never confirms is logged after timeoutMs, not waited for forever', async () => {
    const { bus, warnings } = await watchedBus(200)
    // A plain subscriber (redis-cli, a debugger) counts as a receiver and never answers.
    const bystander = fixture.client()
    await bystander.subscribe(bus.channel)
    await bus.publish(['k'])
    expect(warnings).toEqual(['invalidation bus: not every receiver confirmed in time'])
    await bus.close()
  })

  it('rejects bad options with config.invalid', () => {
    expect(() => redisInvalidationBus({ redis: {} as Redis })).toThrow(/redis must be an ioredis/)
    expect(() => redisInvalidationBus({ redis: fixture.client(), prefix: 'a{b}' })).toThrow(/prefix/)
  })
})
