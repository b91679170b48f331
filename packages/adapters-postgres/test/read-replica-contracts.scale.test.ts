import {
  catalogStoreSuite,
  recommendationStoreSuite,
  reviewStoreSuite,
  searchIndexSuite,
} from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'
import { catalogInspector } from './catalog-support.js'
import { type ReplicaPair, startReplicaPair } from './replica-support.js'

// Scale test (issue 12): the contract suites of every store whose reads may go to a replica, run on
// a storage whose reads do go to a real streaming replica. The suites write and read back at once,
// so they pass only if every routed read sees the writes that returned before it (the fence), and
// their inspectors read the primary directly.

let pair: ReplicaPair
let storage: PostgresStorage

beforeAll(async () => {
  pair = await startReplicaPair()
  storage = postgresStorage({
    connectionString: pair.primary.url,
    poolSize: 20,
    readConnectionString: pair.replica.url,
    readPoolSize: 10,
    // The suites race 50 writers; a read may wait a while for the replica under that load.
    maxReplicaLagMs: 5_000,
  })
})

afterAll(async () => {
  const status = storage?.readReplica?.status()
  await storage?.close()
  await pair?.destroy()
  // Every routed read was answered by the replica or, when it was behind, by the primary.
  console.log(`[read replica] contract suites: ${JSON.stringify(status)}`)
  if (status && status.replicaReads === 0) throw new Error('no read of the suites reached the replica')
})

const harness = () => ({ catalog: storage.catalog, inspect: catalogInspector(storage.db) })

describe('on a read replica', () => {
  catalogStoreSuite(
    { describe, it },
    async () => ({
      store: storage.catalog,
      inventory: storage.inventory,
      reviews: storage.reviews,
      inspect: catalogInspector(storage.db),
    }),
    { concurrency: 50 },
  )
  reviewStoreSuite({ describe, it }, async () => ({ store: storage.reviews, ...harness() }), {
    concurrency: 50,
  })
  recommendationStoreSuite({ describe, it }, async () => ({ store: storage.recommendations, ...harness() }))
  searchIndexSuite({ describe, it }, async () => ({ index: storage.search }))
})
