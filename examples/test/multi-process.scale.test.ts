import { randomBytes } from 'node:crypto'
import {
  createTestDatabase,
  NO_STOCK_VIOLATIONS,
  type PrivateRedis,
  startPrivateRedis,
  stockInvariantViolations,
  type TestDatabase,
} from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FreshResponse, freshRequest } from './fresh-connection.js'
import { type ServerChild, startServerChild, waitForOutput } from './server-child.js'
import { US_ADDRESS } from './support.js'

// The example server as `pnpm start` runs it with WEB_CONCURRENCY=3 on PostgreSQL and Redis: a
// node:cluster primary and three workers sharing one port. Every request goes out on a connection
// of its own, so the primary spreads them over the workers, and each response names its worker.
// SOUK_SCALE_HEAVY=1 (`pnpm test:scale`): four workers, more renames, more buyers.

const HEAVY = process.env.SOUK_SCALE_HEAVY === '1'
const ADMIN_TOKEN = 'multi-process-admin-token-0123'
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
const WORKERS = HEAVY ? 4 : 3
const RENAMES = HEAVY ? 10 : 3
const UNITS = HEAVY ? 12 : 5
const BUYERS = HEAVY ? 48 : 15
/** Up to this many requests to reach every worker (round robin needs WORKERS per pass). */
const MAX_ATTEMPTS = 60

interface Cluster {
  readonly child: ServerChild
  /** The workers' pids, from the banner. */
  readonly pids: number[]
}

const children: ServerChild[] = []
/** Every pid seen in a banner or a header, killed in afterAll if still alive. */
const knownPids = new Set<number>()

async function startCluster(env: Record<string, string>, workers = WORKERS): Promise<Cluster> {
  const child = await startServerChild(
    {
      WEB_CONCURRENCY: String(workers),
      SEED_PRODUCTS: '24',
      ADMIN_TOKEN,
      RATE_LIMITS: 'off',
      FRAUD_RULES: 'off',
      ...env,
    },
    150_000,
  )
  children.push(child)
  const listed = /workers: \d+ \(node:cluster, pids ([\d, ]+)\)/.exec(child.output.text)
  const pids = listed![1]!.split(', ').map(Number)
  for (const pid of pids) knownPids.add(pid)
  return { child, pids }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * GETs `path` on fresh connections until each of `pids` has answered `times` times; returns every
 * response. Fails on a status other than 200 or a worker outside `pids`.
 */
async function fromEveryWorker<T>(
  port: number,
  pids: readonly number[],
  path: string,
  times = 1,
): Promise<FreshResponse<T>[]> {
  const answered = new Map<number, number>()
  const responses: FreshResponse<T>[] = []
  for (let i = 0; i < MAX_ATTEMPTS * times; i++) {
    const response = await freshRequest<T>(port, 'GET', path)
    expect(response.status, `GET ${path}`).toBe(200)
    expect(pids).toContain(response.worker)
    responses.push(response)
    answered.set(response.worker!, (answered.get(response.worker!) ?? 0) + 1)
    if (pids.every((pid) => (answered.get(pid) ?? 0) >= times)) return responses
  }
  throw new Error(`not every worker answered ${path}: ${JSON.stringify([...answered])}`)
}

interface ProductView {
  id: string
  name: string
}

/**
 * Renames a product through one worker `rounds` times. Before each write every worker has read
 * the product and the listing twice (so a per-process cache holds them); right after the write
 * returns, each worker is asked once. Returns every answer that did not show the new name.
 */
async function staleReadsAfterRenames(cluster: Cluster, label: string, rounds: number): Promise<string[]> {
  const { port } = cluster.child
  const { pids } = cluster
  const listing = await freshRequest<{ items: ProductView[] }>(port, 'GET', '/api/products?limit=50')
  const product = listing.body.items[0]!
  const stale: string[] = []
  for (let round = 1; round <= rounds; round++) {
    await fromEveryWorker(port, pids, `/api/products/${product.id}`, 2)
    await fromEveryWorker(port, pids, '/api/products?limit=50', 2)
    const name = `${label} rename ${round}`
    const write = await freshRequest<ProductView>(port, 'PATCH', `/api/admin/products/${product.id}`, {
      body: { name },
      headers: auth,
    })
    expect(write.status).toBe(200)
    expect(write.body.name).toBe(name)
    for (const read of await fromEveryWorker<ProductView>(port, pids, `/api/products/${product.id}`)) {
      if (read.body.name !== name) stale.push(`worker ${read.worker}: product "${read.body.name}"`)
    }
    for (const read of await fromEveryWorker<{ items: ProductView[] }>(
      port,
      pids,
      '/api/products?limit=50',
    )) {
      const item = read.body.items.find((p) => p.id === product.id)
      if (item?.name !== name) stale.push(`worker ${read.worker}: listing "${item?.name}"`)
    }
  }
  return stale
}

afterAll(async () => {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL')
  for (const pid of knownPids) if (alive(pid)) process.kill(pid, 'SIGKILL')
})

describe(`WEB_CONCURRENCY=${WORKERS} on PostgreSQL and Redis`, () => {
  let database: TestDatabase
  let redis: PrivateRedis
  let cluster: Cluster

  beforeAll(async () => {
    database = await createTestDatabase('multi_process')
    // A Redis of its own: the workers' cache keys and pub/sub channel meet no other test's.
    redis = await startPrivateRedis()
    cluster = await startCluster({ DATABASE_URL: database.url, REDIS_URL: redis.url })
  }, 180_000)

  afterAll(async () => {
    await redis?.destroy()
    await database?.drop()
  })

  it('the primary seeded once and forked the workers, which share the port', async () => {
    const { output } = cluster.child
    expect(output.text.match(/First run: seeding the demo catalog/g)).toHaveLength(1)
    expect(output.text).toContain('invalidated across processes over Redis pub/sub')
    expect(new Set(cluster.pids).size).toBe(WORKERS)
    const answers = await fromEveryWorker<{ status: string }>(cluster.child.port, cluster.pids, '/healthz')
    expect(answers.every((a) => a.body.status === 'ok')).toBe(true)
    expect(cluster.pids.every(alive)).toBe(true)
  })

  it('a product renamed through one worker is served renamed by every worker once the write returns', async () => {
    expect(await staleReadsAfterRenames(cluster, 'redis', RENAMES)).toEqual([])
  }, 120_000)

  it(`${BUYERS} checkouts racing through every worker for ${UNITS} units sell exactly ${UNITS}`, async () => {
    const { port } = cluster.child
    const sku = `MP-${randomBytes(4).toString('hex').toUpperCase()}`
    const created = await freshRequest(port, 'POST', '/api/admin/products', {
      headers: auth,
      body: {
        slug: sku.toLowerCase(),
        name: `Race ${sku}`,
        status: 'active',
        variants: [{ sku, prices: [{ amount: 1200, currency: 'USD' }] }],
      },
    })
    expect(created.status).toBe(201)
    const stocked = await freshRequest(port, 'PUT', `/api/admin/stock/${sku}`, {
      headers: auth,
      body: { onHand: UNITS },
    })
    expect(stocked.status).toBe(200)

    const buyers = await Promise.all(
      Array.from({ length: BUYERS }, async (_, i) => {
        const session = await freshRequest(port, 'POST', '/api/session')
        const headers = { cookie: session.setCookie! }
        const cart = await freshRequest<{ id: string }>(port, 'POST', '/api/carts', {
          headers,
          body: { currency: 'USD', email: `buyer${i}-${sku.toLowerCase()}@example.com` },
        })
        const path = `/api/carts/${cart.body.id}`
        expect(
          (await freshRequest(port, 'POST', `${path}/items`, { headers, body: { sku, quantity: 1 } })).status,
        ).toBe(200)
        await freshRequest(port, 'PUT', `${path}/shipping-address`, { headers, body: US_ADDRESS })
        const quotes = await freshRequest<{ items: { methodId: string }[] }>(
          port,
          'GET',
          `${path}/shipping-quotes`,
          { headers },
        )
        await freshRequest(port, 'PUT', `${path}/shipping-method`, {
          headers,
          body: { shippingMethodId: quotes.body.items[0]!.methodId },
        })
        return { headers, cartId: cart.body.id, key: `mp-${sku}-${i}` }
      }),
    )
    const results = await Promise.all(
      buyers.map((b) =>
        freshRequest<{ order?: { id: string }; code?: string }>(port, 'POST', '/api/checkout', {
          headers: { ...b.headers, 'idempotency-key': b.key },
          body: { cartId: b.cartId, payment: { method: 'pm_card_visa' } },
        }),
      ),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201)).toHaveLength(UNITS)
    expect(statuses.filter((s) => s === 409)).toHaveLength(BUYERS - UNITS)
    expect(new Set(results.map((r) => r.worker)).size).toBeGreaterThan(1)
    const level = await freshRequest<{ items: { onHand: number; reserved: number }[] }>(
      port,
      'GET',
      `/api/admin/stock/${sku}`,
      { headers: auth },
    )
    expect(level.body.items.reduce((sum, l) => sum + l.onHand - l.reserved, 0)).toBe(0)
    // The demo's past orders are seeded without reservations: only this race's orders must be held.
    const sold = new Set(results.flatMap((r) => (r.body.order ? [r.body.order.id] : [])))
    const violations = await stockInvariantViolations(database.url)
    const unheld = violations.unheld.filter((o) => sold.has((o as { id: string }).id))
    expect({ ...violations, unheld }).toEqual(NO_STOCK_VIOLATIONS)
    expect(sold.size).toBe(UNITS)
  }, 120_000)

  it('a killed worker is replaced while the others keep serving, and the replacement is coherent too', async () => {
    const { child } = cluster
    const victim = cluster.pids[1]!
    process.kill(victim, 'SIGKILL')
    await waitForOutput(
      child.process,
      child.output,
      new RegExp(`pid ${victim}\\) exited with signal SIGKILL; starting a replacement`),
      30_000,
    )
    const survivors = cluster.pids.filter((pid) => pid !== victim)
    let replacement: number | null = null
    const statuses = new Map<number, number>()
    for (let i = 0; i < 2000 && replacement === null; i++) {
      const response = await freshRequest(child.port, 'GET', '/healthz')
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      expect(response.worker).not.toBe(victim)
      if (response.worker !== null && !survivors.includes(response.worker)) replacement = response.worker
      else if (i > 0 && i % WORKERS === 0) await new Promise((r) => setTimeout(r, 50))
    }
    console.log(
      `worker ${victim} killed: ${[...statuses.values()].reduce((a, b) => a + b, 0)} requests answered ${JSON.stringify([...statuses])} (status, count) by the others until replacement ${replacement} answered`,
    )
    expect([...statuses.keys()]).toEqual([200])
    expect(replacement).not.toBeNull()
    knownPids.add(replacement!)
    expect(child.output.text).toContain(`worker pid ${replacement} listening`)
    cluster.pids.splice(1, 1, replacement!)
    expect(await staleReadsAfterRenames(cluster, 'replaced', 1)).toEqual([])
  }, 120_000)

  it('SIGTERM to the primary drains every worker and exits 0', async () => {
    const { child, pids } = cluster
    child.process.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    expect(child.output.text).toContain(`SIGTERM: stopping ${WORKERS} workers`)
    for (const pid of pids) expect(child.output.text).toMatch(new RegExp(`pid ${pid}\\] stopped`))
    expect(child.output.text).toMatch(/\nstopped\s*$/)
    expect(pids.filter(alive)).toEqual([])
  }, 60_000)
})

// Two workers are enough to show what per-process caches do.
describe('the control: WEB_CONCURRENCY=2 without Redis', () => {
  let database: TestDatabase
  let cluster: Cluster

  beforeAll(async () => {
    database = await createTestDatabase('multi_process_lru')
    cluster = await startCluster({ DATABASE_URL: database.url }, 2)
  }, 180_000)

  afterAll(async () => {
    if (cluster?.child.process.exitCode === null) {
      cluster.child.process.kill('SIGTERM')
      await cluster.child.exited
    }
    await database?.drop()
  })

  it('says each worker caches on its own, and the same check then finds stale reads', async () => {
    expect(cluster.child.output.text).toContain('cache: each worker keeps its own')
    // What the test above would see with per-process caches: it can fail.
    const stale = await staleReadsAfterRenames(cluster, 'lru', 1)
    console.log(
      `per-process caches, right after a rename: ${stale.length} stale answers: ${stale.join('; ')}`,
    )
    expect(stale.length).toBeGreaterThan(0)
  }, 120_000)
})
