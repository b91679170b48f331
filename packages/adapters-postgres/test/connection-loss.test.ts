import { EventEmitter } from 'node:events'
import { ConflictError, isCommerceError, StorageError } from '@souk/core'
import type { PostgresPool } from 'kysely'
import { describe, expect, it } from 'vitest'
import { guardPool } from '../src/guarded-pool.js'
import { isConnectionLoss, mapPostgresError } from '../src/map-postgres-error.js'
import { postgresStorage } from '../src/postgres-storage.js'

// Unit checks of what the restart fault tests rely on, without a server.

describe('mapPostgresError on a lost connection', () => {
  const lost = [
    new Error('Connection terminated unexpectedly'),
    new Error('Connection terminated'),
    new Error('Connection terminated due to connection timeout'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('timeout exceeded when trying to connect'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {}),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
    Object.assign(new Error('connection failure'), { code: '08006' }),
  ]
  for (const error of lost) {
    it(`maps "${error.message || 'AggregateError'}" to a retryable storage.unavailable`, () => {
      expect(isConnectionLoss(error)).toBe(true)
      const mapped = mapPostgresError(error)
      expect(mapped).toBeInstanceOf(StorageError)
      expect(isCommerceError(mapped, 'storage.unavailable')).toBe(true)
      expect((mapped as StorageError).cause).toBe(error)
      // The driver's words are for the log (the message), never the details an API may show.
      expect(JSON.stringify((mapped as StorageError).details)).not.toMatch(/127\.0\.0\.1|terminat|ECONN/)
    })
  }

  it('leaves statement errors and foreign errors alone', () => {
    expect(isConnectionLoss(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false)
    expect(mapPostgresError(Object.assign(new Error('dup'), { code: '23505' }))).toBeInstanceOf(ConflictError)
    const plain = { message: 'Connection terminated' } // not an Error: a host's object passes through
    expect(mapPostgresError(plain)).toBe(plain)
    const other = new Error('something else')
    expect(mapPostgresError(other)).toBe(other)
  })
})

/** A pg-pool look-alike: an EventEmitter whose clients record how they were released. */
function fakePool() {
  const pool = new EventEmitter() as EventEmitter & {
    connect(): Promise<FakeClient>
    end(): Promise<void>
  }
  const clients: FakeClient[] = []
  pool.connect = async () => {
    const client = new FakeClient()
    clients.push(client)
    pool.emit('connect', client)
    return client
  }
  pool.end = async () => undefined
  // Kysely's PostgresPool wants pg's query overloads (cursors too); the fake answers plain queries.
  return { pool: pool as typeof pool & PostgresPool, clients }
}

class FakeClient extends EventEmitter {
  released: (Error | undefined)[] = []
  failWith: unknown = null
  async query(): Promise<{ rows: unknown[]; rowCount: number; command: 'SELECT' }> {
    if (this.failWith) throw this.failWith
    return { rows: [], rowCount: 0, command: 'SELECT' }
  }
  release(error?: Error) {
    this.released.push(error)
  }
}

describe('guardPool', () => {
  it('listens on the pool and on every client, so a lost connection cannot crash the process', async () => {
    const { pool, clients } = fakePool()
    const guarded = guardPool(pool)
    expect(pool.listenerCount('error')).toBe(1)
    const client = await guarded.connect()
    expect(clients[0]!.listenerCount('error')).toBe(1)
    // An 'error' on a checked-out client with no listener would throw here.
    clients[0]!.emit('error', new Error('Connection terminated unexpectedly'))
    client.release()
    expect(clients[0]!.released).toEqual([undefined])
  })

  it('releases a client whose query lost its connection with the error, so the pool destroys it', async () => {
    const { pool, clients } = fakePool()
    const guarded = guardPool(pool)
    const client = await guarded.connect()
    const lost = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    })
    clients[0]!.failWith = lost
    await expect(client.query('select 1', [])).rejects.toBe(lost)
    client.release()
    expect(clients[0]!.released).toEqual([lost])

    // A statement error leaves the connection usable: the client goes back to the pool.
    const again = await guarded.connect()
    clients[1]!.failWith = Object.assign(new Error('dup'), { code: '23505' })
    await expect(again.query('insert', [])).rejects.toThrow('dup')
    again.release()
    expect(clients[1]!.released).toEqual([undefined])
  })

  it("forwards the caller's own reason to discard a client", async () => {
    const { pool, clients } = fakePool()
    const guarded = guardPool(pool)
    const client = (await guarded.connect()) as unknown as { release(error?: Error | boolean): void }
    const reason = new Error('statement timeout mid-transaction')
    client.release(reason)
    expect(clients[0]!.released).toEqual([reason])
  })

  it('guards an injected { pool } too', async () => {
    const { pool } = fakePool()
    const storage = postgresStorage({ pool })
    expect(pool.listenerCount('error')).toBe(1)
    expect(pool.listenerCount('connect')).toBe(1)
    await storage.close()
  })
})
