// A shop process that places one order, prints its id and is then SIGKILLed by the parent before its
// in-process listener's work could finish; spawned by durable-subscribers.fault.test.ts.
import { createCommerce, createTestPaymentProvider, silentLogger } from '@souk/core'
import pg from 'pg'
import { postgresStorage } from '../src/postgres-storage.js'

const [url] = process.argv.slice(2)
const storage = postgresStorage({ connectionString: url!, poolSize: 2 })
const effects = new pg.Client({ connectionString: url! })
await effects.connect()
const commerce = createCommerce({
  storage,
  logger: silentLogger,
  payments: [createTestPaymentProvider({ latencyMs: 0 })],
  unitsSold: false,
  // No relay here: whatever durable delivery happens, happens in another process.
  relay: false,
})

// The usual best-effort side effect: a listener that calls out (here, a one-second "email API")
// and then records that it did. It is lost with the process.
commerce.events.on('order.status_changed', async (event) => {
  process.stdout.write(`listener ${event.type} ${event.to}\n`)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  await effects.query('insert into listener_effects (order_id, note) values ($1, $2)', [
    event.orderId,
    event.to,
  ])
})

await commerce.catalog.createProduct({
  slug: 'die-after-order',
  name: 'Die after order',
  status: 'active',
  variants: [{ sku: 'DIE-1', prices: [{ amount: 1500, currency: 'EUR' }] }],
})
await commerce.inventory.setStock({ sku: 'DIE-1', onHand: 5 })
const cart = await commerce.cart.create({ currency: 'EUR', email: 'die@example.com' })
await commerce.cart.addItem({ cartId: cart.id, sku: 'DIE-1', quantity: 2 })
const { order } = await commerce.checkout.placeOrder({
  cartId: cart.id,
  idempotencyKey: 'die-after-order',
  payment: { method: 'pm_card_visa' },
})
process.stdout.write(`${JSON.stringify({ orderId: order.id, status: order.status })}\n`)
// Wait to be killed (the pg client keeps the event loop alive).
