import { randomBytes } from 'node:crypto'
import { type RedisCluster, startRedisCluster } from '@souk/test-harness'
import { Cluster, type ClusterOptions } from 'ioredis'

/**
 * A real 3-master, 3-replica Redis Cluster of one test file's own (the harness's
 * `startRedisCluster`), with the clients and prefixes handed out on it.
 */
export interface ClusterFixture {
  readonly cluster: RedisCluster
  /** A fresh prefix (`t-<random>`) for one test. */
  prefix(): string
  /** A new ioredis Cluster client on it, closed on close. */
  client(options?: ClusterOptions): Cluster
  /** Keys under `prefix` on each master, in master order: SCAN runs on every master, as a Cluster needs. */
  keysPerMaster(prefix: string): Promise<number[]>
  /** Stops every client and the cluster (its nodes and temp dir). */
  close(): Promise<void>
}

export async function clusterFixture(): Promise<ClusterFixture> {
  const cluster = await startRedisCluster()
  const clients: Cluster[] = []
  const client = (options: ClusterOptions = {}) => {
    const created = cluster.client(options)
    clients.push(created)
    return created
  }
  const admin = client()

  return {
    cluster,
    prefix: () => `t-${randomBytes(6).toString('hex')}`,
    client,
    async keysPerMaster(prefix) {
      const masters = await cluster.masters()
      // SCAN walks one node's keyspace: a Cluster's keys are only all seen by asking every master.
      const byPort = new Map(admin.nodes('master').map((node) => [node.options.port, node]))
      return Promise.all(
        masters.map(async ({ port }) => {
          const node = byPort.get(port)
          if (!node) throw new Error(`no client connection to master ${port}`)
          let count = 0
          let cursor = '0'
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
            cursor = next
            count += keys.length
          } while (cursor !== '0')
          return count
        }),
      )
    },
    async close() {
      await Promise.all(clients.map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())))
      await cluster.stop()
    },
  }
}

/** A Cluster client whose only seed refuses connections (port 1): every command fails at once. */
export function unreachableCluster(): Cluster {
  const client = new Cluster([{ host: '127.0.0.1', port: 1 }], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 200 },
  })
  client.on('error', () => undefined)
  return client
}
