import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  type Commerce,
  createCommerce,
  createTestPaymentProvider,
  isCommerceError,
  type PaymentProvider,
  silentLogger,
  type TestPaymentProvider,
} from '@souk/core'
import { type PrivatePostgres, startPrivatePostgres } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'

// Keys are never stuck: a checkout whose database went away or whose process died is finished by a
// retry with the same key within the lease, never answered with a "still being processed" loop.
// On a private Postgres this file starts, stops and restarts itself.

const LEASE_MS = 500
let server: PrivatePostgres
let storage: PostgresStorage
let commerce: Commerce
let payments: TestPaymentProvider
/** When set, the next authorization runs it first (e.g. stops the database under the checkout). */
let beforeAuthorize: (() => Promise<void>) | null = null
let n = 0

beforeAll(async () => {
  server = await startPrivatePostgres()
  payments = createTestPaymentProvider()
  const provider: PaymentProvider = {
    ...payments,
    async authorize(input) {
      const hook = beforeAuthorize
      beforeAuthorize = null
      const state = await payments.authorize(input)
      if (hook) await hook()
      return state
    },
  }
  storage = postgresStorage({ connectionString: server.url, poolSize: 6 })
  commerce = createCommerce({
    storage,
    logger: silentLogger,
    payments: [provider],
    checkoutKeyLeaseMs: LEASE_MS,
    unitsSold: false,
  })
  await commerce.migrate()
}, 120_000)

afterAll(async () => {
  await commerce?.close()
  await server?.destroy()
})

async function cartFor(stock: number, quantity: number) {
  const sku = `STUCK-${++n}`
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: sku,
    status: 'active',
    variants: [{ sku, prices: [{ amount: 1500, currency: 'EUR' }] }],
  })
  await commerce.inventory.setStock({ sku, onHand: stock })
  const cart = await commerce.cart.create({ currency: 'EUR', email: 'stuck@example.com' })
  await commerce.cart.addItem({ cartId: cart.id, sku, quantity })
  return { sku, cartId: cart.id }
}

/** The purchase every test makes: the shopper's cart, their key, an approving card. */
const place = (cartId: string, key: string) =>
  commerce.checkout.placeOrder({ cartId, idempotencyKey: key, payment: { method: 'pm_card_visa' } })

/** Retries `place` as a client would: on storage.unavailable and conflicts, up to ~15 s. */
/** Retries like a client would; counts the 409s ("still being processed") it got on the way. */
async function retry(cartId: string, key: string) {
  const started = Date.now()
  let conflicts = 0
  for (;;) {
    try {
      return { result: await place(cartId, key), conflicts }
    } catch (error) {
      if (isCommerceError(error, 'conflict')) conflicts++
      const retryable = isCommerceError(error, 'storage.unavailable') || isCommerceError(error, 'conflict')
      if (!retryable || Date.now() - started > 15_000) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function keyRow(key: string) {
  const { rows } = await sql<{ status: string; resource_id: string | null }>`
    select status, resource_id from souk.idempotency_keys where key = ${key}`.execute(storage.db)
  return rows
}

async function ordersOf(cartId: string) {
  const { rows } = await sql<{ id: string; status: string; reservation: string | null }>`
    select o.id, o.status, r.status as reservation from souk.orders o
    left join souk.reservations r on r.id = o.reservation_id where o.cart_id = ${cartId}`.execute(storage.db)
  return rows
}

describe('idempotency keys are never stuck', () => {
  it('a database that is down before the order exists leaves no claim: the retry just works', async () => {
    const { cartId } = await cartFor(5, 1)
    const key = `stuck-down-${n}`
    await server.stop()
    const failed = await place(cartId, key).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isCommerceError(failed, 'storage.unavailable')).toBe(true)
    await server.start()
    expect(await keyRow(key)).toEqual([])
    const { result } = await retry(cartId, key)
    expect(result.order.status).toBe('confirmed')
    expect(await ordersOf(cartId)).toEqual([
      { id: result.order.id, status: 'confirmed', reservation: 'committed' },
    ])
  })

  it('a database that drops between authorize and confirm: the retry resumes the same order', async () => {
    const { sku, cartId } = await cartFor(5, 2)
    const key = `stuck-drop-${n}`
    beforeAuthorize = () => server.stop()
    const failed = await place(cartId, key).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isCommerceError(failed, 'storage.unavailable')).toBe(true)
    await server.start()
    const [pending] = await ordersOf(cartId)
    expect(pending).toMatchObject({ status: 'pending_payment', reservation: 'active' })
    expect(await keyRow(key)).toEqual([{ status: 'in_progress', resource_id: pending!.id }])

    const { result, conflicts } = await retry(cartId, key)
    expect(result.order.id).toBe(pending!.id)
    expect(result.order.status).toBe('confirmed')
    // placeOrder waited out the dead holder's lease itself: no 409 for the caller to loop on.
    expect(conflicts).toBe(0)
    expect(await ordersOf(cartId)).toEqual([
      { id: pending!.id, status: 'confirmed', reservation: 'committed' },
    ])
    // One authorization at the provider: the retry authorized under the same provider key.
    expect(payments.payments().filter((p) => p.orderId === pending!.id)).toHaveLength(1)
    expect(await keyRow(key)).toEqual([{ status: 'completed', resource_id: pending!.id }])
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 3, reserved: 0, available: 3 },
    ])
  })

  it('a process SIGKILLed mid-checkout: a retry in another process finishes its order', async () => {
    const { sku, cartId } = await cartFor(4, 1)
    const key = `stuck-kill-${n}`
    const worker = fileURLToPath(new URL('./checkout-crash-worker.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@souk/source', worker, server.url, cartId, key],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
    )
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('authorizing')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)))
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited

    const [orphan] = await ordersOf(cartId)
    expect(orphan).toMatchObject({ status: 'pending_payment', reservation: 'active' })
    const { result, conflicts } = await retry(cartId, key)
    expect(result.order.id).toBe(orphan!.id)
    expect(result.order.status).toBe('confirmed')
    // placeOrder waited out the dead holder's lease itself: no 409 for the caller to loop on.
    expect(conflicts).toBe(0)
    expect(await ordersOf(cartId)).toEqual([
      { id: orphan!.id, status: 'confirmed', reservation: 'committed' },
    ])
    expect(await keyRow(key)).toEqual([{ status: 'completed', resource_id: orphan!.id }])
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 3, reserved: 0, available: 3 },
    ])
    // Another retry replays the same answer.
    const again = await place(cartId, key)
    expect(again.order.id).toBe(orphan!.id)
  }, 60_000)
})
