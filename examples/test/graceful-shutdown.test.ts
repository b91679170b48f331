import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { Agent, createServer, type IncomingHttpHeaders, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { postgresStorage } from '@souk/adapters-postgres'
import { createCommerce, silentLogger } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signCustomerId } from '../src/app/identity.js'
import { shutDownGracefully, trackRequests } from '../src/graceful-shutdown.js'
import { startServerChild } from './server-child.js'
import { US_ADDRESS } from './support.js'

const SESSION_SECRET = 'shutdown-test-session-secret-0123'
const WORKERS = 8
const LOAD_BEFORE_SIGNAL_MS = 2_000

let database: TestDatabase
let child: ChildProcess | undefined

beforeAll(async () => {
  database = await createTestDatabase('shutdown')
})

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await database.drop()
})

interface Outcome {
  readonly path: string
  readonly requestId: string
  readonly startedAt: number
  readonly endedAt: number
  readonly status?: number
  readonly code?: string
  readonly connection?: string
  readonly error?: string
  readonly reusedSocket?: boolean
}

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Record<string, unknown>
}

/** One JSON request on a keep-alive agent; resolves with the reply or rejects with the socket error. */
function call(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const bytes = Buffer.from(JSON.stringify(body))
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: Record<string, unknown> = {}
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {}
          } catch {
            parsed = { text }
          }
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
        })
        res.on('error', reject)
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(Object.assign(error, { reusedSocket: req.reusedSocket })),
    )
    req.end(bytes)
  })
}

describe('graceful shutdown', () => {
  it('SIGTERM under checkout load: accepted requests finish, late ones are turned away, exit 0, nothing left pending', async () => {
    const server = await startServerChild(
      {
        DATABASE_URL: database.url,
        SEED_PRODUCTS: '30',
        ADMIN_TOKEN: 'a'.repeat(24),
        SESSION_SECRET,
        RATE_LIMITS: 'off',
      },
      90_000,
    )
    child = server.process
    const { output, port, exited } = server

    // Plenty of stock on a few SKUs, so every checkout can succeed.
    const storage = postgresStorage({ connectionString: database.url, poolSize: 2 })
    const t = (name: string) => sql.id(storage.schema, name)
    const { rows } = await sql<{ sku: string }>`
      select v.sku from ${t('product_variants')} v
      join ${t('products')} p on p.id = v.product_id and p.status = 'active'
      join ${t('inventory_items')} i on i.sku = v.sku and i.tracked
      order by v.sku limit 5`.execute(storage.db)
    const skus = rows.map((r) => r.sku)
    await sql`update ${t('stock_levels')} set on_hand = 1000000 where sku in (${sql.join(skus)})`.execute(
      storage.db,
    )

    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS })
    const outcomes: Outcome[] = []
    let signalledAt = Number.POSITIVE_INFINITY
    let sent = 0
    const step = async (
      headers: Record<string, string>,
      method: string,
      path: string,
      body: unknown,
    ): Promise<Reply | undefined> => {
      const startedAt = performance.now()
      const requestId = `load-${++sent}`
      try {
        const reply = await call(agent, port, method, path, { ...headers, 'x-request-id': requestId }, body)
        outcomes.push({
          path,
          requestId,
          startedAt,
          endedAt: performance.now(),
          status: reply.status,
          code: (reply.body.error as { code?: string } | undefined)?.code,
          connection: String(reply.headers.connection ?? ''),
        })
        return reply.status < 300 ? reply : undefined
      } catch (error) {
        const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean }
        outcomes.push({
          path,
          requestId,
          startedAt,
          endedAt: performance.now(),
          error: `${e.code ?? ''} ${e.message}`,
          reusedSocket: e.reusedSocket === true,
        })
        return undefined
      }
    }
    const worker = async (n: number) => {
      const customerId = `cus_shutdown_${n}`
      const headers = {
        'x-customer-id': customerId,
        'x-customer-signature': signCustomerId(SESSION_SECRET, customerId),
      }
      for (let round = 0; ; round++) {
        const cart = await step(headers, 'POST', '/api/carts', {
          currency: 'USD',
          email: `w${n}@example.com`,
        })
        const cartId = cart?.body.id as string | undefined
        if (!cartId) return
        if (
          !(await step(headers, 'POST', `/api/carts/${cartId}/items`, {
            sku: skus[round % skus.length],
            quantity: 1,
          }))
        )
          return
        if (!(await step(headers, 'PUT', `/api/carts/${cartId}/shipping-address`, US_ADDRESS))) return
        const placed = await step(
          { ...headers, 'idempotency-key': `shutdown-${n}-${round}` },
          'POST',
          '/api/checkout',
          { cartId, payment: { method: 'pm_card_visa' } },
        )
        if (!placed) return
      }
    }
    const load = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)))
    await new Promise((r) => setTimeout(r, LOAD_BEFORE_SIGNAL_MS))
    signalledAt = performance.now()
    child.kill('SIGTERM')
    await load
    const code = await exited
    agent.destroy()

    const before = outcomes.filter((o) => o.endedAt < signalledAt)
    const across = outcomes.filter((o) => o.startedAt < signalledAt && o.endedAt >= signalledAt)
    const failures = outcomes.filter((o) => {
      if (o.status !== undefined) {
        if (o.status < 300) return false
        // Turned away while draining: 503 in the one shape, and the connection is not reused.
        return !(o.status === 503 && o.code === 'service.draining' && o.connection === 'close')
      }
      // No new connections after the signal; an idle keep-alive socket the server closed as the
      // request was being sent (the client may retry it: the server never read it).
      if (o.startedAt < signalledAt) return true
      // The server logs every request it served; one that failed on the client was never served.
      if (output.text.includes(`"requestId":"${o.requestId}"`)) return true
      return !(/ECONNREFUSED/.test(o.error ?? '') || (o.reusedSocket && /ECONNRESET/.test(o.error ?? '')))
    })
    console.log(
      `shutdown under load: ${outcomes.length} requests, ${before.length} before SIGTERM, ${across.length} in flight at SIGTERM (${across.filter((o) => (o.status ?? 0) < 300 && o.status !== undefined).length} completed), ${outcomes.filter((o) => o.status === 503).length} turned away with 503, connection errors after the signal: ${JSON.stringify(outcomes.filter((o) => o.error).map((o) => `${o.error?.split(' ')[0]}${o.reusedSocket ? ' (reused socket)' : ''}`))}, ${failures.length} failures`,
    )
    expect(failures).toEqual([])
    // The log check above can see served requests.
    expect(output.text).toContain(`"requestId":"${before[0]!.requestId}"`)
    expect(before.filter((o) => o.path === '/api/checkout' && o.status === 201).length).toBeGreaterThan(0)
    expect(across.some((o) => o.status !== undefined && o.status < 300)).toBe(true)
    expect({ code, tail: output.text.slice(-400) }).toEqual({
      code: 0,
      tail: expect.stringMatching(/stopped\s*$/),
    })
    expect(output.text).not.toMatch(/grace time|shutdown step .* failed|request failed/)

    // Recovery from another process (this one) finds nothing half-done.
    const commerce = createCommerce({ storage, logger: silentLogger })
    try {
      await commerce.checkout.recover({ staleAfterMs: 0 })
      const { rows: pending } = await sql<{ n: number }>`
        select count(*)::int as n from ${t('orders')} where status = 'pending_payment'`.execute(storage.db)
      expect(pending[0]!.n).toBe(0)
    } finally {
      await commerce.close()
    }
  }, 180_000)

  it('turns requests on open keep-alive connections away with 503 + Connection: close while draining', async () => {
    const requests = trackRequests()
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => {
      release = r
    })
    const server = createServer((req, res) =>
      requests.handle(req, res, () => {
        if (req.url === '/slow') void held.then(() => res.end('done'))
        else res.end('ok')
      }),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const get = (path: string) =>
      new Promise<{ status: number; connection: string | undefined; body: string }>((done, fail) => {
        request({ host: '127.0.0.1', port, path, agent }, (res) => {
          let body = ''
          res.setEncoding('utf8').on('data', (c: string) => {
            body += c
          })
          res.on('end', () => done({ status: res.statusCode ?? 0, connection: res.headers.connection, body }))
        })
          .on('error', fail)
          .end()
      })
    try {
      expect((await get('/healthz')).status).toBe(200)
      const slowAgent = new Agent({ keepAlive: true, maxSockets: 1 })
      const slow = new Promise<{ status: number; connection: string | undefined }>((done, fail) => {
        request({ host: '127.0.0.1', port, path: '/slow', agent: slowAgent }, (res) => {
          res
            .resume()
            .on('end', () => done({ status: res.statusCode ?? 0, connection: res.headers.connection }))
        })
          .on('error', fail)
          .end()
      })
      while (requests.inFlight === 0) await new Promise((r) => setTimeout(r, 5))
      requests.startDraining()
      let idle = false
      const settled = requests.idle().then(() => {
        idle = true
      })

      // The keep-alive socket from /healthz is still open: the next request on it is turned away.
      const refused = await get('/healthz')
      expect({ status: refused.status, connection: refused.connection }).toEqual({
        status: 503,
        connection: 'close',
      })
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'service.draining' } })
      expect(requests.refused).toBe(1)

      // The request in flight is waited for, and its connection closes after its response.
      await new Promise((r) => setTimeout(r, 50))
      expect(idle).toBe(false)
      release()
      expect(await slow).toEqual({ status: 200, connection: 'close' })
      await settled
      expect(requests.inFlight).toBe(0)
      slowAgent.destroy()
    } finally {
      agent.destroy()
      server.closeAllConnections()
      server.close()
    }
  })

  it('stops background jobs first, waits for the request in flight, then closes commerce', async () => {
    const requests = trackRequests()
    const order: string[] = []
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => {
      release = r
    })
    const server = createServer((req, res) =>
      requests.handle(req, res, () => {
        void held.then(() => {
          order.push('request finished')
          res.end('done')
        })
      }),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const agent = new Agent({ keepAlive: true })
    const reply = new Promise<number>((done, fail) => {
      request({ host: '127.0.0.1', port, path: '/checkout', agent }, (res) => {
        res.resume().on('end', () => done(res.statusCode ?? 0))
      })
        .on('error', fail)
        .end()
    })
    while (requests.inFlight === 0) await new Promise((r) => setTimeout(r, 5))
    const exitCode = shutDownGracefully(
      {
        server,
        requests,
        stopFirst: [{ name: 'background jobs', run: async () => order.push('jobs stopped') }],
        closeAfter: [{ name: 'commerce', run: async () => order.push('commerce closed') }],
      },
      { graceMs: 10_000, print: () => undefined },
    )
    await new Promise((r) => setTimeout(r, 100))
    expect(order).toEqual(['jobs stopped'])
    release()
    expect(await reply).toBe(200)
    expect(await exitCode).toBe(0)
    expect(order).toEqual(['jobs stopped', 'request finished', 'commerce closed'])
    agent.destroy()
  })

  it('bounds the wait with the grace time, still closes commerce, and exits 1', async () => {
    const requests = trackRequests()
    const server = createServer((req, res) => requests.handle(req, res, () => undefined))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const cut = new Promise<string>((done) => {
      request({ host: '127.0.0.1', port, path: '/never' }, () => done('answered'))
        .on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
        .end()
    })
    while (requests.inFlight === 0) await new Promise((r) => setTimeout(r, 5))
    const lines: string[] = []
    let closed = false
    const exitCode = await shutDownGracefully(
      {
        server,
        requests,
        stopFirst: [],
        closeAfter: [{ name: 'commerce', run: async () => (closed = true) }],
      },
      { graceMs: 200, print: (line) => lines.push(line) },
    )
    expect({ exitCode, closed }).toEqual({ exitCode: 1, closed: true })
    expect(lines.join('\n')).toMatch(/grace time of 200 ms is up: cutting off 1 requests/)
    expect(await cut).toBe('ECONNRESET')
  })
})
