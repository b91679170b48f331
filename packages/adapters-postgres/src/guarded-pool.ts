import type { PostgresPool as KyselyPostgresPool, PostgresPoolClient } from 'kysely'
import { isConnectionLoss } from './map-postgres-error.js'

/** A pooled client as Kysely's Postgres driver uses it (node-postgres' `PoolClient`, structurally). */
interface PoolClientLike {
  query(...args: unknown[]): unknown
  /** pg-pool destroys the client instead of keeping it when given an error (or `true`). */
  release(error?: Error | boolean): void
  on?(event: 'error', listener: (error: Error) => void): unknown
}

/** node-postgres' pool events, when the pool has them (a host's own pool type may not). */
interface PoolEvents {
  on(event: 'error', listener: () => void): unknown
  on(event: 'connect', listener: (client: PoolClientLike) => void): unknown
}

// node-postgres emits 'error' on a client whose server went away (57P01 on a restart, a reset
// socket). An EventEmitter without an 'error' listener throws, which kills the process; pg-pool
// listens only while a client is idle. The query in flight already rejects with the error, so the
// listener has nothing to add.
const ignore = (): void => undefined
const listened = new WeakSet<object>()

function listen(client: PoolClientLike): void {
  if (listened.has(client) || typeof client.on !== 'function') return
  listened.add(client)
  client.on('error', ignore)
}

/**
 * Makes a node-postgres pool survive its server restarting, failing over or dropping connections:
 * every client gets an 'error' listener (on the pool's 'connect' event and again at checkout, for
 * clients connected before Souk saw the pool), the pool gets one for idle clients, and a client
 * whose query failed for connection loss is released with that error, so pg-pool destroys it
 * instead of lending it out again. The next checkout then opens a fresh connection.
 */
export function guardPool(pool: KyselyPostgresPool): KyselyPostgresPool {
  const events = pool as KyselyPostgresPool & Partial<PoolEvents>
  if (typeof events.on === 'function') {
    // An idle client that loses its connection is dropped by the pool; the next query gets a new one.
    events.on('error', ignore)
    events.on('connect', listen)
  }
  // One wrapper per client, so Kysely (which keys its connections by client) sees a stable object.
  const wrappers = new WeakMap<PoolClientLike, PoolClientLike>()

  function wrap(client: PoolClientLike): PoolClientLike {
    const known = wrappers.get(client)
    if (known) return known
    let lost: Error | undefined
    const wrapper: PoolClientLike = {
      query(...args) {
        const result = client.query(...args)
        // A cursor (a submittable) comes back as is; a plain query is a promise.
        if (typeof (result as Promise<unknown> | undefined)?.then !== 'function') return result
        return (result as Promise<unknown>).catch((error: unknown) => {
          if (isConnectionLoss(error)) lost ??= error as Error
          throw error
        })
      },
      // A caller's own reason to discard the client wins; else the connection loss seen, if any.
      release(error?: Error | boolean) {
        const reason = error || lost
        lost = undefined
        client.release(reason || undefined)
      },
    }
    wrappers.set(client, wrapper)
    return wrapper
  }

  return {
    async connect() {
      // node-postgres' client also takes release(error) and emits 'error': see PoolClientLike.
      const client = (await pool.connect()) as PoolClientLike
      listen(client)
      // The wrapper forwards query's overloads unchanged (promise or cursor).
      return wrap(client) as unknown as PostgresPoolClient
    },
    end: () => pool.end(),
  }
}
