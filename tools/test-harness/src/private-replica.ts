import pg from 'pg'
import { clusterDir } from './cluster-dir.js'
import { freePort } from './free-port.js'
import type { PrivatePostgres } from './private-postgres.js'

/**
 * A streaming hot-standby replica of a private primary (`startPrivatePostgres({ replication: true })`),
 * made with `pg_basebackup -R` into a temp directory and started on a free port. For tests that
 * read from a replica, pause its replay to make it lag, and stop it mid-run.
 */
export interface PrivateReplica {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; trust auth, read-only (hot standby). */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  /** Starts the stopped replica; it reconnects to the primary and replays what it missed. */
  start(): Promise<void>
  /** Stops it with `pg_ctl -m fast`: its sessions end (57P01), new connections are refused. */
  stop(): Promise<void>
  /** Stops it (immediately) if running and deletes its files. Call it in `afterAll`. */
  destroy(): Promise<void>
  /** The replica's `pg_last_wal_replay_lsn()` as text (`'0/3000148'`). */
  replayLsn(): Promise<string>
  /** `pg_wal_replay_pause()`, and waits until replay has actually paused: the replica falls behind. */
  pauseReplay(): Promise<void>
  /** `pg_wal_replay_resume()`. */
  resumeReplay(): Promise<void>
  /**
   * Waits until the replica has replayed everything the primary had written when called
   * (`pg_current_wal_lsn()`); rejects after `timeoutMs` (default 30 s).
   */
  catchUp(timeoutMs?: number): Promise<void>
}

export interface PrivateReplicaOptions {
  /** Where pg_basebackup and pg_ctl live. Default `/usr/lib/postgresql/15/bin`. */
  readonly binDir?: string
  /** Extra postgresql.conf settings for the replica. */
  readonly settings?: Readonly<Record<string, string>>
}

async function queryOne<T>(url: string, text: string, values: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => undefined)
  await client.connect()
  try {
    const { rows } = await client.query(text, values)
    return rows[0] as T
  } finally {
    await client.end()
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Base-backs-up `primary` (which must have been started with `replication: true`) as the
 * `postgres` OS user, points the copy at its own port and socket directory, and starts it as a hot
 * standby streaming from the primary.
 */
export async function startPrivateReplica(
  primary: Pick<PrivatePostgres, 'port' | 'url'>,
  options: PrivateReplicaOptions = {},
): Promise<PrivateReplica> {
  const dir = await clusterDir('souk-replica-', options.binDir)
  const port = await freePort()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  try {
    // -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile.
    await dir.run('pg_basebackup', [
      '-R',
      '-D',
      dir.dataDir,
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ])
    // The copied postgresql.conf carries the primary's port and socket directory: later lines win.
    await dir.configure({
      port: String(port),
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${dir.root}'`,
      hot_standby: 'on',
      // Replies after each replay, so the primary's pg_stat_replication lag columns stay current.
      wal_receiver_status_interval: '1s',
      ...options.settings,
    })
    await dir.start()
  } catch (error) {
    await dir.destroy()
    throw error
  }

  const replayLsn = async () =>
    (await queryOne<{ lsn: string }>(url, 'select pg_last_wal_replay_lsn()::text as lsn')).lsn

  return {
    url,
    port,
    dataDir: dir.dataDir,
    start: dir.start,
    stop: dir.stop,
    destroy: dir.destroy,
    replayLsn,
    async pauseReplay() {
      await queryOne(url, 'select pg_wal_replay_pause()')
      // pg_wal_replay_pause() only requests the pause; replay stops at the next record.
      for (let i = 0; i < 1000; i++) {
        const { state } = await queryOne<{ state: string }>(
          url,
          'select pg_get_wal_replay_pause_state() as state',
        )
        if (state === 'paused') return
        await sleep(10)
      }
      throw new Error('the replica did not pause its replay within 10 s')
    },
    async resumeReplay() {
      await queryOne(url, 'select pg_wal_replay_resume()')
    },
    async catchUp(timeoutMs = 30_000) {
      const { lsn } = await queryOne<{ lsn: string }>(primary.url, 'select pg_current_wal_lsn()::text as lsn')
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const { done } = await queryOne<{ done: boolean }>(
          url,
          'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done',
          [lsn],
        )
        if (done) return
        await sleep(10)
      }
      throw new Error(`the replica did not replay the primary's WAL up to ${lsn} within ${timeoutMs} ms`)
    },
  }
}
