import { redisCache } from '@souk/adapters-redis'
import { silentLogger } from '@souk/core'
import { cacheSuite } from '@souk/core/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type RedisFixture, redisFixture } from './support.js'

let fixture: RedisFixture
let redis: Redis
beforeAll(() => {
  fixture = redisFixture()
  redis = fixture.client()
})
afterAll(() => fixture.close())

describe('redisCache', () => {
  cacheSuite({ describe, it }, async () => {
    const cache = redisCache({ redis, prefix: fixture.prefix(), logger: silentLogger })
    return {
      cache,
      inspect: {
        async stored(key) {
          const raw = await redis.get(cache.keyOf(key))
          return raw === null ? undefined : JSON.parse(raw)
        },
        async ttlMs(key) {
          const ttl = await redis.pttl(cache.keyOf(key))
          return ttl === -2 ? null : ttl === -1 ? Number.POSITIVE_INFINITY : ttl
        },
      },
    }
  })
})
