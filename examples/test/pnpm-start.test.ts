import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitForOutput } from './server-child.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The first start may compile the packages and seeds the database. */
const READY_TIMEOUT_MS = 180_000
/** Variables that would switch the server to services this test does not set up. */
const INHERITED_SWITCHES = [
  'REDIS_URL',
  'TYPESENSE_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'PORT',
]

let database: TestDatabase
const started: StartCommand[] = []

beforeAll(async () => {
  database = await createTestDatabase('start')
})

afterEach(() => {
  for (const run of started.splice(0)) {
    if (run.serverPid !== null && alive(run.serverPid)) process.kill(run.serverPid, 'SIGKILL')
    if (run.command.exitCode === null) run.command.kill('SIGKILL')
  }
})

afterAll(async () => {
  await database.drop()
})

interface StartCommand {
  /** `pnpm start`, or `script` running it on a pseudo-terminal. */
  readonly command: ChildProcess
  readonly output: { text: string }
  readonly exited: Promise<number | null>
  serverPid: number | null
}

function alive(pid: number): boolean {
  try {
    // A zombie has exited; only its parent has not collected it yet.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

/**
 * Runs `pnpm start` from the repository root as a user does: in a terminal (util-linux `script`
 * gives it a pseudo-terminal whose input this test types into), or without one, as a process
 * manager or CI runs it. Resolves once the server prints that it is serving.
 */
async function pnpmStart(terminal: boolean): Promise<StartCommand> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of INHERITED_SWITCHES) delete env[name]
  Object.assign(env, {
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    PORT: '0',
    SEED_PRODUCTS: '20',
    ADMIN_TOKEN: 'start-test-admin-token-0123',
    // pnpm would otherwise install when node_modules looks out of date: not this test's business.
    pnpm_config_verify_deps_before_run: 'false',
  })
  const command = terminal
    ? // `script` runs the command through $SHELL; `exec` keeps a shell that would fork (dash, CI's
      // /bin/sh) from standing between the terminal and pnpm, as a user's own shell does not.
      spawn('script', ['--quiet', '--flush', '--return', '--command', 'exec pnpm start', '/dev/null'], {
        cwd: REPO_ROOT,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn('pnpm', ['start'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = { text: '' }
  for (const stream of [command.stdout!, command.stderr!]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      output.text += chunk
    })
  }
  const exited = new Promise<number | null>((r) => command.once('exit', (code) => r(code)))
  const run: StartCommand = { command, output, exited, serverPid: null }
  started.push(run)
  const [, pid] = await waitForOutput(command, output, /so does `kill (\d+)`/, READY_TIMEOUT_MS)
  run.serverPid = Number(pid)
  return run
}

/** pnpm's pid: the command itself, or the one child of `script`. */
function pnpmPid(run: StartCommand, terminal: boolean): number {
  const pid = run.command.pid!
  if (!terminal) return pid
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)
  expect(children).toHaveLength(1)
  return Number(children[0])
}

async function expectGracefulStop(run: StartCommand, signal: 'SIGINT' | 'SIGTERM') {
  expect(await run.exited).toBe(0)
  expect(run.output.text).toContain(`${signal}: no new connections; finishing requests in flight`)
  expect(run.output.text).toMatch(/drained: 0 requests refused while draining\s+stopped\s*$/)
  expect(alive(run.serverPid!)).toBe(false)
}

describe('pnpm start (what the README says to run)', () => {
  it('runs the server from build output with plain node, as pnpm’s own child', {
    timeout: READY_TIMEOUT_MS + 60_000,
  }, async () => {
    const run = await pnpmStart(false)
    const pid = run.serverPid!
    // No tsx and no shell in between: the signals pnpm relays reach the server itself.
    expect(parentOf(pid)).toBe(run.command.pid)
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    expect(commandLine.slice(1)).toEqual(['examples/dist/server.js'])
    expect(existsSync(resolve(REPO_ROOT, 'examples/dist/server.js'))).toBe(true)
    const [, port] = /Souk storefront on http:\/\/localhost:(\d+) {2}\(started in (\d+\.\d) s\)/.exec(
      run.output.text,
    )!
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(await health.json()).toEqual({ status: 'ok' })

    process.kill(run.command.pid!, 'SIGINT')
    await expectGracefulStop(run, 'SIGINT')
  })

  it('stops gracefully on a plain kill (SIGTERM) of pnpm without a terminal', {
    timeout: READY_TIMEOUT_MS + 60_000,
  }, async () => {
    const run = await pnpmStart(false)
    process.kill(run.command.pid!, 'SIGTERM')
    await expectGracefulStop(run, 'SIGTERM')
  })

  it('stops gracefully on Ctrl-C in a terminal', { timeout: READY_TIMEOUT_MS + 60_000 }, async () => {
    const run = await pnpmStart(true)
    // The terminal turns the typed Ctrl-C into SIGINT for its foreground process group.
    run.command.stdin!.write('\x03')
    await expectGracefulStop(run, 'SIGINT')
  })

  it('stops gracefully on a plain kill (SIGTERM) of pnpm in a terminal', {
    timeout: READY_TIMEOUT_MS + 60_000,
  }, async () => {
    const run = await pnpmStart(true)
    const pnpm = pnpmPid(run, true)
    expect(parentOf(run.serverPid!)).toBe(pnpm)
    process.kill(pnpm, 'SIGTERM')
    await expectGracefulStop(run, 'SIGTERM')
  })
})
