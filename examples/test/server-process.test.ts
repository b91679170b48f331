import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '..')

let database: TestDatabase
let child: ChildProcess | undefined

beforeAll(async () => {
  database = await createTestDatabase('server')
})

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await database.drop()
})

/** Resolves with the text printed so far once `pattern` appears on stdout. */
function waitFor(
  proc: ChildProcess,
  output: { text: string },
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; output:\n${output.text}`)),
      timeoutMs,
    )
    const check = () => {
      const match = pattern.exec(output.text)
      if (match) {
        clearTimeout(timer)
        proc.stdout?.off('data', check)
        resolvePromise(match)
      }
    }
    proc.stdout?.on('data', check)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}; output:\n${output.text}`))
    })
    check()
  })
}

describe('the server process (what pnpm start runs)', () => {
  it('seeds on first run, prints what it uses, serves, and stops gracefully on SIGTERM', async () => {
    const output = { text: '' }
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@souk/source', 'src/server.ts'], {
      cwd: EXAMPLES,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        SEED_PRODUCTS: '40',
        ADMIN_TOKEN: 'a'.repeat(20),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output.text += chunk
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      output.text += chunk
    })
    await waitFor(child, output, /Ctrl-C stops it gracefully/, 60_000)
    const port = /Souk storefront on http:\/\/localhost:(\d+)/.exec(output.text)![1]
    expect(output.text).toContain('First run: seeding the demo catalog (40 products')
    expect(output.text).toMatch(/storage: PostgreSQL at postgres:\/\//)
    expect(output.text).toMatch(/payments: built-in test provider/)

    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(await health.json()).toEqual({ status: 'ok' })
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: true } },
    })
    const products = (await (await fetch(`http://127.0.0.1:${port}/api/products?limit=3`)).json()) as {
      total: number
    }
    expect(products.total).toBeGreaterThan(0)

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output.text).toContain('SIGTERM: no new connections')
    expect(output.text).toMatch(/stopped\s*$/)
  })
})
