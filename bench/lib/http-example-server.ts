import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BenchError } from './bench-error.js'

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** What `pnpm start` runs: the compiled server, after compiling what is stale. */
const BUILD_IF_STALE = 'examples/scripts/build-if-stale.mjs'
const SERVER_ENTRY = 'examples/dist/server.js'
/** First start seeds 2,000 products and builds the search index: seconds, more on a busy machine. */
const START_TIMEOUT_MS = 240_000
const STOP_TIMEOUT_MS = 15_000
/** Variables that would switch the server to services this benchmark does not set up. */
const INHERITED_SWITCHES = [
  'DATABASE_URL',
  'REDIS_URL',
  'TYPESENSE_URL',
  'TYPESENSE_API_KEY',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PUBLISHABLE_KEY',
  'SOUK_DATA_DIR',
]

export interface ExampleServerOptions {
  readonly databaseUrl: string
  readonly sessionSecret: string
  readonly adminToken: string
  readonly seedProducts: number
  /** Kills the server at once when aborted. */
  readonly signal: AbortSignal
  /** Called with the last log line while the server starts (it seeds on the first run). */
  readonly onStartupLine?: (line: string) => void
}

/** The example storefront (`examples/dist/server.js`) running as a child process. */
export interface ExampleServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly pid: number
  /** Where its stdout and stderr go: the startup banner, then one JSON line per request. */
  readonly logFile: string
  /** SIGTERM (graceful), SIGKILL after 15 s; removes the log file. Safe to call twice. */
  stop(): Promise<void>
}

/** A port nobody listens on right now (the kernel's pick), for the server's PORT. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Starts the example server as `pnpm start` runs it, from build output with plain node (`node
 * examples/dist/server.js`, after `examples/scripts/build-if-stale.mjs`; node itself, not pnpm, so
 * the child's pid is the server's and its RSS is the server's),
 * on a free port of 127.0.0.1 against `databaseUrl`, with the built-in test payment provider (no
 * Stripe keys; its latency is 0 ms by default) and the in-process cache. It seeds the demo catalog
 * itself because the database has no products. Resolves once `/healthz` answers 200.
 *
 * The server has no switch for its request log (one JSON line per request on stdout), so stdout
 * goes to a file: a synchronous write to the page cache, cheaper than a pipe this process drains.
 */
export async function startExampleServer(options: ExampleServerOptions): Promise<ExampleServer> {
  const build = spawnSync(process.execPath, [BUILD_IF_STALE], { cwd: REPO_ROOT, encoding: 'utf8' })
  if (build.status !== 0) throw new BenchError(`${BUILD_IF_STALE} failed:\n${build.stdout}${build.stderr}`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logFile = join(tmpdir(), `souk-bench-http-${port}-${process.pid}.log`)
  const logFd = openSync(logFile, 'w')
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of INHERITED_SWITCHES) delete env[name]
  Object.assign(env, {
    NODE_ENV: 'production',
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    SESSION_SECRET: options.sessionSecret,
    ADMIN_TOKEN: options.adminToken,
    SEED_ON_FIRST_RUN: 'true',
    SEED_PRODUCTS: String(options.seedProducts),
    SEED: 'souk',
    // The bench measures the storefront, not its rate limiter: thousands of requests from one IP.
    RATE_LIMITS: 'off',
  })

  let child: ChildProcess
  try {
    child = spawn(process.execPath, [SERVER_ENTRY], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', logFd, logFd],
    })
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(logFd)
  }
  const pid = child.pid
  if (pid === undefined) throw new BenchError(`could not start ${SERVER_ENTRY}`)

  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal }
      resolve()
    })
  })
  // Ctrl-C: run.ts drops the database and exits, so the server must not outlive it.
  const kill = () => {
    if (exited === null) child.kill('SIGKILL')
  }
  options.signal.addEventListener('abort', kill, { once: true })
  process.once('exit', kill)

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      if (exited === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(kill, STOP_TIMEOUT_MS)
        await exitedPromise
        clearTimeout(timer)
      }
      options.signal.removeEventListener('abort', kill)
      process.removeListener('exit', kill)
      rmSync(logFile, { force: true })
    })()
    return stopping
  }

  const deadline = Date.now() + START_TIMEOUT_MS
  try {
    for (;;) {
      if (options.signal.aborted) throw new BenchError('interrupted while the example server started')
      if (exited !== null) {
        const { code, signal } = exited
        throw new BenchError(
          `the example server exited (${signal ?? `code ${code}`}) before it served; its log:\n${tail(logFile, 30)}`,
        )
      }
      if (Date.now() > deadline) {
        throw new BenchError(
          `the example server did not answer /healthz within ${START_TIMEOUT_MS / 1000} s; its log:\n${tail(logFile, 30)}`,
        )
      }
      const healthy = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
        (res) => res.ok,
        () => false,
      )
      if (healthy) break
      options.onStartupLine?.(tail(logFile, 1))
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { url, pid, logFile, stop }
}
