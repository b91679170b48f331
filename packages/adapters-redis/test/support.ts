import { randomBytes } from 'node:crypto'
import type {} from '@souk/test-harness'
import { Redis, type RedisOptions } from 'ioredis'
import { inject } from 'vitest'

/**
 * Clients on the Redis the global setup found, and random key prefixes. Test files share that
 * server (and run in parallel), so every test works under a prefix of its own and `close()`
 * deletes exactly the keys under the prefixes it handed out: never FLUSHALL, never FLUSHDB.
 */
export interface RedisFixture {
  readonly url: string
  /** A fresh prefix (`t-<random>`) for one test; its keys are deleted on close. */
  prefix(): string
  /** A new client on the test server, closed on close. */
  client(options?: RedisOptions): Redis
  /** Deletes every key under one prefix (SCAN + UNLINK); the keys of other tests stay. */
  deletePrefix(prefix: string): Promise<number>
  close(): Promise<void>
}

export function redisFixture(): RedisFixture {
  const url = inject('redisUrl')
  const prefixes: string[] = []
  const clients: Redis[] = []
  const admin = new Redis(url, { lazyConnect: true })

  async function deletePrefix(prefix: string): Promise<number> {
    let deleted = 0
    let cursor = '0'
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) deleted += await admin.unlink(...keys)
    } while (cursor !== '0')
    return deleted
  }

  return {
    url,
    prefix() {
      const prefix = `t-${randomBytes(6).toString('hex')}`
      prefixes.push(prefix)
      return prefix
    },
    client(options = {}) {
      const client = new Redis(url, options)
      clients.push(client)
      return client
    },
    deletePrefix,
    async close() {
      for (const prefix of prefixes) await deletePrefix(prefix)
      admin.disconnect()
      await Promise.all(clients.map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())))
    },
  }
}
