import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './free-port.js'

/** Debian's path (not on a non-root PATH), else whatever `pgbouncer` the PATH finds. */
const DEFAULT_BINARY = existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer'

/** A pgbouncer of one test file's own, in front of a Postgres it was given. */
export interface Pgbouncer {
  /** `postgres://<upstream user>@127.0.0.1:<port>/<upstream database>`: the upstream URL, through pgbouncer. */
  readonly url: string
  readonly port: number
  /** `postgres://<upstream user>@127.0.0.1:<port>/pgbouncer`: the admin console (simple queries only). */
  readonly adminUrl: string
  /** `SHOW POOLS` on the admin console: one row per (database, user) pool. */
  showPools(): Promise<Record<string, unknown>[]>
  /** `SHOW STATS` on the admin console: counters per database since pgbouncer started. */
  showStats(): Promise<Record<string, unknown>[]>
  /** Stops pgbouncer (SIGTERM: immediate shutdown) and deletes its files. Call it in `afterAll`. */
  stop(): Promise<void>
}

export interface PgbouncerOptions {
  /** The Postgres to pool, e.g. a `createTestDatabase()` URL; its user and password are used upstream. */
  readonly upstreamUrl: string
  /** Default `'transaction'`: a server connection is lent to a client for one transaction only. */
  readonly poolMode?: 'session' | 'transaction' | 'statement'
  /** Server connections per (database, user): `default_pool_size`. Default 5. */
  readonly poolSize?: number
  /** Client connections pgbouncer accepts: `max_client_conn`. Default 200. */
  readonly maxClientConnections?: number
  /** The pgbouncer binary. Default `/usr/sbin/pgbouncer` (Debian's package) if present, else `pgbouncer`. */
  readonly binary?: string
}

/** pgbouncer refuses to run as root: run it as the `postgres` OS user then, like the private Postgres. */
function runAs(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

/** A value for pgbouncer's ini and auth files: double quotes doubled. */
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`

async function adminQuery(adminUrl: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return (await client.query(text)).rows as Record<string, unknown>[]
  } finally {
    await client.end()
  }
}

/**
 * Starts pgbouncer on a free loopback port in front of `upstreamUrl`'s server, with every database of
 * that server reachable through it (`* =` fallback), trust auth for the upstream user (also the admin
 * and stats user), and `ignore_startup_parameters = extra_float_digits,options` so drivers that send
 * those connect. Its ini, auth file and log live in a temp directory that `stop()` removes.
 */
export async function startPgbouncer(options: PgbouncerOptions): Promise<Pgbouncer> {
  const upstream = new URL(options.upstreamUrl)
  const user = decodeURIComponent(upstream.username || 'postgres')
  const password = decodeURIComponent(upstream.password)
  const host = upstream.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1'
  const upstreamPort = upstream.port || '5432'
  const osUser = runAs()
  const root = await mkdtemp(join(tmpdir(), 'souk-pgbouncer-'))
  if (osUser) await chown(root, osUser.uid, osUser.gid)
  const port = await freePort()
  const ini = join(root, 'pgbouncer.ini')
  const log = join(root, 'pgbouncer.log')
  const authFile = join(root, 'users.txt')
  await writeFile(authFile, `${quoted(user)} ${quoted(password)}\n`)
  await writeFile(
    ini,
    [
      '[databases]',
      `* = host=${host} port=${upstreamPort}${password ? ` password='${password.replaceAll("'", "''")}'` : ''}`,
      '',
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${authFile}`,
      `admin_users = ${user}`,
      `stats_users = ${user}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 5}`,
      `max_client_conn = ${options.maxClientConnections ?? 200}`,
      'ignore_startup_parameters = extra_float_digits,options',
      'log_connections = 0',
      'log_disconnections = 0',
      `logfile = ${log}`,
      '',
    ].join('\n'),
  )
  if (osUser) {
    await chown(ini, osUser.uid, osUser.gid)
    await chown(authFile, osUser.uid, osUser.gid)
  }

  const child: ChildProcess = spawn(options.binary ?? DEFAULT_BINARY, [ini], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(osUser ?? {}),
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    // The tail is enough to say why it exited.
    stderr = (stderr + chunk.toString()).slice(-4_000)
  })
  let spawnError: Error | undefined
  child.once('error', (error) => {
    spawnError = error
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // A test process that dies without its afterAll must not leave pgbouncer behind.
  const onExit = () => {
    child.kill('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
  process.once('exit', onExit)

  const url = new URL(options.upstreamUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  const admin = new URL(url)
  admin.pathname = '/pgbouncer'
  const adminUrl = admin.toString()

  async function stop(): Promise<void> {
    process.off('exit', onExit)
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    }
    await rm(root, { recursive: true, force: true })
  }

  // Ready when the admin console answers; the database itself may still be cold.
  const deadline = Date.now() + 10_000
  for (;;) {
    if (spawnError) {
      await stop()
      throw new Error(`could not start pgbouncer: ${spawnError.message}`)
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const logged = await readFile(log, 'utf8').catch(() => '')
      await stop()
      throw new Error(`pgbouncer exited at start:\n${stderr}${logged}`)
    }
    try {
      await adminQuery(adminUrl, 'SHOW VERSION')
      break
    } catch (error) {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`pgbouncer on port ${port} did not answer in 10 s: ${String(error)}\n${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  return {
    url: url.toString(),
    port,
    adminUrl,
    showPools: () => adminQuery(adminUrl, 'SHOW POOLS'),
    showStats: () => adminQuery(adminUrl, 'SHOW STATS'),
    stop,
  }
}
