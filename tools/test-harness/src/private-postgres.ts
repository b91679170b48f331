import { execFile, execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin'

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
}

/** The uid/gid to run Postgres as: the `postgres` OS user when we are root (Postgres refuses root). */
function runAs(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

function run(binary: string, args: string[], user: { uid: number; gid: number } | null, cwd: string) {
  return new Promise<void>((resolve, reject) => {
    execFile(binary, args, { cwd, ...(user ?? {}), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`))
      else resolve()
    })
  })
}

/**
 * initdb's a fresh cluster into a temp directory (owned by the `postgres` OS user when running as
 * root), configures trust auth on 127.0.0.1 and a free port, and starts it with pg_ctl. Durability
 * is off (fsync, synchronous_commit): these servers hold test data only.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const binDir = options.binDir ?? DEFAULT_BIN_DIR
  const user = runAs()
  const root = await mkdtemp(join(tmpdir(), 'souk-pg-'))
  if (user) await chown(root, user.uid, user.gid)
  const dataDir = join(root, 'data')
  const logFile = join(root, 'server.log')
  const port = await freePort()
  const pgCtl = (args: string[]) => run(join(binDir, 'pg_ctl'), ['-D', dataDir, ...args], user, root)

  let running = false
  // A test process that dies without its afterAll must not leave the server behind.
  const onExit = () => {
    try {
      if (running) {
        execFileSync(join(binDir, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate'], {
          cwd: root,
          stdio: 'ignore',
          ...(user ?? {}),
        })
      }
      rmSync(root, { recursive: true, force: true })
    } catch {
      // Best effort while exiting.
    }
  }
  process.once('exit', onExit)
  const start = async () => {
    await pgCtl(['start', '-w', '-t', '60', '-l', logFile])
    running = true
  }

  try {
    await run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
      user,
      root,
    )
    const settings: Record<string, string> = {
      port: String(port),
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${root}'`,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '100',
      ...options.settings,
    }
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      `\n${Object.entries(settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n')}\n`,
    )

    await start()
  } catch (error) {
    process.off('exit', onExit)
    onExit()
    throw error
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    async stop() {
      await pgCtl(['stop', '-w', '-m', 'fast'])
      running = false
    },
    async restart() {
      await pgCtl(['restart', '-w', '-m', 'fast', '-t', '60', '-l', logFile])
      running = true
    },
    async destroy() {
      process.off('exit', onExit)
      if (running) await pgCtl(['stop', '-w', '-m', 'immediate']).catch(() => undefined)
      running = false
      await rm(root, { recursive: true, force: true })
    },
  }
}
