import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { clusterDir } from './cluster-dir.js'
import { freePort } from './free-port.js'

/**
 * A PostgreSQL server of one test file's own, for fault tests that stop and restart it. Never the
 * shared server: that one other test files (and engineers) use at the same time.
 */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; trust auth, so no password. */
  readonly url: string
  readonly port: number
  /** The data directory (inside a temp directory that `destroy()` removes). */
  readonly dataDir: string
  /** Starts the stopped server and waits until it accepts connections. */
  start(): Promise<void>
  /** Stops it with `pg_ctl -m fast`: sessions are ended (57P01), then new connections are refused. */
  stop(): Promise<void>
  /** `pg_ctl restart -m fast`: ends every session and comes back on the same port. */
  restart(): Promise<void>
  /** Stops it (immediately) if running and deletes its files. Call it in `afterAll`. */
  destroy(): Promise<void>
}

export interface PrivatePostgresOptions {
  /** Where initdb and pg_ctl live. Default `/usr/lib/postgresql/15/bin` (Debian's PostgreSQL 15). */
  readonly binDir?: string
  /** Extra postgresql.conf settings, e.g. `{ max_connections: '50' }`. */
  readonly settings?: Readonly<Record<string, string>>
  /**
   * Lets streaming replicas attach (see `startPrivateReplica`): `wal_level = replica`, WAL senders,
   * WAL kept for a replica that was stopped a while, a `replication` trust line for 127.0.0.1, and
   * `synchronous_commit = on` as in production (a commit returns once its WAL is flushed, so it is
   * in the stream a replica replays). Default false.
   */
  readonly replication?: boolean
}

/**
 * initdb's a fresh cluster into a temp directory (owned by the `postgres` OS user when running as
 * root), configures trust auth on 127.0.0.1 and a free port, and starts it with pg_ctl. Durability
 * is off (fsync, synchronous_commit): these servers hold test data only.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const dir = await clusterDir('souk-pg-', options.binDir)
  const port = await freePort()
  try {
    await dir.run('initdb', [
      '-D',
      dir.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ])
    await dir.configure({
      port: String(port),
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${dir.root}'`,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '100',
      ...(options.replication
        ? {
            wal_level: 'replica',
            max_wal_senders: '10',
            wal_keep_size: "'256MB'",
            hot_standby: 'on',
            synchronous_commit: 'on',
          }
        : {}),
      ...options.settings,
    })
    if (options.replication) {
      // initdb's template has this line too; written out so the replica never depends on it.
      await appendFile(join(dir.dataDir, 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n')
    }
    await dir.start()
  } catch (error) {
    await dir.destroy()
    throw error
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir: dir.dataDir,
    start: dir.start,
    stop: dir.stop,
    restart: dir.restart,
    destroy: dir.destroy,
  }
}
