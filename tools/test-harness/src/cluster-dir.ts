import { execFile, execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Debian's PostgreSQL 15. */
export const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin'

interface OsUser {
  readonly uid: number
  readonly gid: number
}

/** The uid/gid to run Postgres as: the `postgres` OS user when we are root (Postgres refuses root). */
function runAs(): OsUser | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

/**
 * A temp directory holding one Postgres data directory (`<root>/data`), owned by the `postgres` OS
 * user when we are root, and the pg_ctl commands that run a server on it. If the test process
 * exits without `destroy()`, the server is stopped and the directory removed anyway.
 */
export interface ClusterDir {
  readonly root: string
  readonly dataDir: string
  /** Runs `name` from the bin directory as the server's OS user, in `root`; rejects with its output. */
  run(name: string, args: readonly string[]): Promise<void>
  /** Appends settings to the data directory's postgresql.conf (a later line wins). */
  configure(settings: Readonly<Record<string, string>>): Promise<void>
  /** `pg_ctl start`, waiting until the server accepts connections. */
  start(): Promise<void>
  /** `pg_ctl stop -m fast`: sessions are ended (57P01), then new connections are refused. */
  stop(): Promise<void>
  /** `pg_ctl restart -m fast`: ends every session and comes back on the same port. */
  restart(): Promise<void>
  /** Stops the server (immediately) if running and deletes the directory. */
  destroy(): Promise<void>
}

export async function clusterDir(prefix: string, binDir = DEFAULT_BIN_DIR): Promise<ClusterDir> {
  const user = runAs()
  const root = await mkdtemp(join(tmpdir(), prefix))
  if (user) await chown(root, user.uid, user.gid)
  const dataDir = join(root, 'data')
  const logFile = join(root, 'server.log')

  const run = (name: string, args: readonly string[]) =>
    new Promise<void>((resolve, reject) => {
      const binary = join(binDir, name)
      execFile(binary, args, { cwd: root, ...(user ?? {}), timeout: 60_000 }, (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`))
        else resolve()
      })
    })
  const pgCtl = (args: readonly string[]) => run('pg_ctl', ['-D', dataDir, ...args])

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

  return {
    root,
    dataDir,
    run,
    async configure(settings) {
      const lines = Object.entries(settings).map(([k, v]) => `${k} = ${v}`)
      await appendFile(join(dataDir, 'postgresql.conf'), `\n${lines.join('\n')}\n`)
    },
    async start() {
      await pgCtl(['start', '-w', '-t', '60', '-l', logFile])
      running = true
    },
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
