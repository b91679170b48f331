import type { ChildProcess } from 'node:child_process'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerChild } from './server-child.js'

let database: TestDatabase
let child: ChildProcess | undefined

beforeAll(async () => {
  database = await createTestDatabase('server')
})

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await database.drop()
})

describe('the server process (what pnpm start runs)', () => {
  it('seeds on first run, prints what it uses, serves, and stops gracefully on SIGTERM', async () => {
    const server = await startServerChild(
      { DATABASE_URL: database.url, SEED_PRODUCTS: '40', ADMIN_TOKEN: 'a'.repeat(20) },
      60_000,
    )
    child = server.process
    const { output, port } = server
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

    child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(output.text).toContain('SIGTERM: no new connections')
    expect(output.text).toMatch(/stopped\s*$/)
  })
})
