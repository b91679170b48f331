import { isCommerceError } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import { parseLsn } from './lsn.js'

/** Where one routed read runs. */
export type ReadSide = 'primary' | 'replica'

/** What a storage's read replica is doing, for health checks and dashboards. */
export interface ReadReplicaStatus {
  /** `'serving'`: reads that may go to the replica go there; `'bypassed'`: they go to the primary. */
  readonly state: 'serving' | 'bypassed'
  /**
   * Why it is bypassed: `'down'` (a connection or query failed) or `'lagging'` (it did not replay
   * a read's writes within `maxReplicaLagMs`). Null while serving.
   */
  readonly reason: 'down' | 'lagging' | null
  /** When it was bypassed; null while serving. */
  readonly since: Date | null
  /** Routed reads the replica answered since the storage was made. */
  readonly replicaReads: number
  /** Routed reads that went to the primary instead (replica bypassed, behind, or failing). */
  readonly primaryReads: number
}

/** The read replica of a `postgresStorage` made with `readConnectionString`, `readPool` or `readDb`. */
export interface ReadReplica {
  status(): ReadReplicaStatus
}

export interface ReplicaRouter extends ReadReplica {
  /** Runs `run` on the replica when it has replayed every write that returned before this call, else on the primary. */
  read<T>(run: (side: ReadSide) => Promise<T>): Promise<T>
  /** Stops waiting: pending waits end, later reads go to the primary. */
  close(): void
}

export interface ReplicaRouterOptions {
  /** The primary, not bound to a schema. */
  // biome-ignore lint/suspicious/noExplicitAny: only raw SQL runs on it.
  readonly primary: Kysely<any>
  /** The replica, not bound to a schema. */
  // biome-ignore lint/suspicious/noExplicitAny: only raw SQL runs on it.
  readonly replica: Kysely<any>
  /** How long a read waits for the replica to replay its fence before it goes to the primary. */
  readonly maxLagMs: number
  /** How long a bypassed replica rests before a read probes it again. */
  readonly retryMs: number
}

type Outcome = 'reached' | 'lagging' | 'down'

/** Longest pause between two looks at the replica's replay position while reads wait on it. */
const MAX_POLL_MS = 16

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const ignore = () => undefined

/**
 * Which replica errors send a read to the primary: a lost or refused connection (the replica is
 * down: bypass it), a query cancelled by a recovery conflict (SQLSTATE 40001/40P01 on a standby),
 * or tables the replica has not replayed yet. Anything else is the read's own answer.
 */
function replicaFault(error: unknown): 'down' | 'transient' | null {
  if (!isCommerceError(error)) return null
  if (error.code === 'storage.unavailable') return 'down'
  if (error.code === 'storage.not_migrated') return 'transient'
  const sqlState = (error.details as { sqlState?: unknown } | undefined)?.sqlState
  if (error.code === 'conflict' && (sqlState === '40001' || sqlState === '40P01')) return 'transient'
  return null
}

/**
 * Routes reads that may be served by a replica, so that a replica read never returns less than
 * the primary would have at the moment the read began.
 *
 * Each read first takes a fence: the primary's `pg_current_wal_lsn()`, read after the read began,
 * so at or past the commit record of every write that had returned by then (a commit with
 * `synchronous_commit` on returns only once its WAL is flushed, and the WAL position read later
 * cannot be behind it), whichever process made it. The read runs on the replica once the
 * replica's `pg_last_wal_replay_lsn()` has reached the fence, waiting at most `maxLagMs`; a
 * replica that does not get there in time, or fails, is bypassed (its reads go to the primary)
 * and probed again after `retryMs`.
 *
 * This is what keeps the catalog cache honest: the cache reads a generation, then storage, then
 * stores what it read under that generation. The write that set the generation returned before the
 * read began, so the fence covers it and a replica behind it is never read.
 *
 * Fences are shared: reads that arrive while one is being fetched wait for the next fetch (one
 * begun after they did), so a burst of reads costs the primary one or two tiny statements. The
 * replica's replay position is polled by one loop for all waiting reads.
 */
export function createReplicaRouter(options: ReplicaRouterOptions): ReplicaRouter {
  const { primary, replica, maxLagMs, retryMs } = options
  let bypass: { reason: 'down' | 'lagging'; since: number; retryAt: number } | null = null
  let probing = false
  let closed = false
  let replicaReads = 0
  let primaryReads = 0
  /** The highest replay position seen: replay only moves forward, so any reading is a lower bound. */
  let replayed = -1n

  function setAside(reason: 'down' | 'lagging'): void {
    const now = Date.now()
    // What comes back after an outage may be another standby (a name moved): forget what was seen.
    if (reason === 'down') replayed = -1n
    bypass = { reason, since: bypass?.since ?? now, retryAt: now + retryMs }
  }

  let fetching: Promise<bigint> | null = null
  let queued: Promise<bigint> | null = null

  async function fetchFence(): Promise<bigint> {
    const { rows } = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(primary)
    return parseLsn(rows[0]!.lsn)
  }

  /** A WAL position at or past every commit that returned before this call. */
  function fence(): Promise<bigint> {
    if (fetching === null) {
      fetching = fetchFence().finally(() => {
        fetching = null
      })
      return fetching
    }
    // The fetch in flight may have read the position before this call began: join the next one.
    queued ??= fetching.then(ignore, ignore).then(() => {
      queued = null
      return fence()
    })
    return queued
  }

  interface Waiter {
    readonly fence: bigint
    done(outcome: Outcome): void
  }
  const waiters = new Set<Waiter>()
  let watching = false

  async function watch(): Promise<void> {
    watching = true
    let pause = 1
    try {
      while (waiters.size > 0 && !closed) {
        let position: bigint | null
        try {
          const { rows } = await sql<{
            lsn: string | null
          }>`select pg_last_wal_replay_lsn()::text as lsn`.execute(replica)
          const lsn = rows[0]?.lsn ?? null
          position = lsn === null ? null : parseLsn(lsn)
        } catch {
          for (const waiter of [...waiters]) waiter.done('down')
          return
        }
        if (position !== null && position > replayed) replayed = position
        // Null: the server is not in recovery (a primary given as the read side), so nothing to wait for.
        for (const waiter of [...waiters])
          if (position === null || waiter.fence <= replayed) waiter.done('reached')
        if (waiters.size === 0) return
        await sleep(pause)
        pause = Math.min(MAX_POLL_MS, pause * 2)
      }
    } finally {
      watching = false
    }
  }

  /** Resolves once the replica has replayed `position`, or with why not within `maxLagMs`. */
  function replayedUpTo(position: bigint, look = false): Promise<Outcome> {
    if (closed) return Promise.resolve('down')
    if (!look && position <= replayed) return Promise.resolve('reached')
    return new Promise<Outcome>((resolve) => {
      const waiter: Waiter = {
        fence: look ? -1n : position,
        done(outcome) {
          if (!waiters.delete(waiter)) return
          clearTimeout(timer)
          resolve(outcome)
        },
      }
      const timer = setTimeout(() => waiter.done('lagging'), maxLagMs)
      waiters.add(waiter)
      if (!watching) void watch()
    }).then(async (outcome) => {
      // A probe asks the replica itself (not what was last seen of it) whether it is there.
      if (!look || outcome !== 'reached') return outcome
      return replayedUpTo(position)
    })
  }

  async function probe(): Promise<void> {
    let outcome: Outcome
    try {
      outcome = await replayedUpTo(await fence(), true)
    } catch {
      // The primary did not answer: nothing can be learned about the replica now.
      outcome = bypass?.reason ?? 'down'
    }
    if (closed) return
    if (outcome === 'reached') bypass = null
    else setAside(outcome)
  }

  function probeWhenDue(): void {
    if (probing || closed || bypass === null || Date.now() < bypass.retryAt) return
    probing = true
    void probe()
      .catch(ignore)
      .finally(() => {
        probing = false
      })
  }

  function onPrimary<T>(run: (side: ReadSide) => Promise<T>): Promise<T> {
    primaryReads++
    return run('primary')
  }

  return {
    async read(run) {
      if (closed || bypass !== null) {
        probeWhenDue()
        return onPrimary(run)
      }
      let position: bigint
      try {
        position = await fence()
      } catch {
        // The primary's own answer (storage.unavailable, say) is the one to give.
        return onPrimary(run)
      }
      const outcome = await replayedUpTo(position)
      if (outcome !== 'reached') {
        setAside(outcome)
        return onPrimary(run)
      }
      try {
        const result = await run('replica')
        replicaReads++
        return result
      } catch (error) {
        const fault = replicaFault(error)
        if (fault === null) throw error
        if (fault === 'down') setAside('down')
        return onPrimary(run)
      }
    },

    status() {
      return {
        state: bypass === null ? 'serving' : 'bypassed',
        reason: bypass?.reason ?? null,
        since: bypass === null ? null : new Date(bypass.since),
        replicaReads,
        primaryReads,
      }
    },

    close() {
      closed = true
      for (const waiter of [...waiters]) waiter.done('down')
    },
  }
}
