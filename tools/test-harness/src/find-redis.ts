import { Redis } from 'ioredis'
import type { FoundServer } from './find-postgres.js'

const LOCAL_URL = 'redis://127.0.0.1:6379'

async function reachable(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/** Finds a real Redis for tests: TEST_REDIS_URL, else 127.0.0.1:6379, else Testcontainers. */
export async function findRedis(): Promise<FoundServer> {
  const fromEnv = process.env.TEST_REDIS_URL
  if (fromEnv) {
    if (!(await reachable(fromEnv))) throw new Error(`TEST_REDIS_URL is set but ${fromEnv} does not answer`)
    return { url: fromEnv, source: 'env', stop: async () => {} }
  }
  if (await reachable(LOCAL_URL)) return { url: LOCAL_URL, source: 'localhost', stop: async () => {} }
  try {
    const { RedisContainer } = await import('@testcontainers/redis')
    const container = await new RedisContainer('redis:7-alpine').start()
    return {
      url: container.getConnectionUrl(),
      source: 'testcontainers',
      stop: async () => void (await container.stop()),
    }
  } catch (error) {
    throw new Error(
      [
        'Souk tests need a real Redis server and found none.',
        '  - set TEST_REDIS_URL=redis://host:port, or',
        '  - start Redis on 127.0.0.1:6379 (e.g. `redis-server --daemonize yes --save ""`), or',
        '  - run a Docker engine so Testcontainers can start one.',
        `Testcontainers said: ${error instanceof Error ? error.message : String(error)}`,
      ].join('\n'),
    )
  }
}
