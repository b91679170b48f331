// A checkout in its own OS process that is SIGKILLed after its order exists and while its payment is
// being authorized; spawned by checkout-stuck-keys.fault.test.ts.
import { createCommerce, createTestPaymentProvider, type PaymentProvider, silentLogger } from '@souk/core'
import { postgresStorage } from '../src/postgres-storage.js'

const [url, cartId, key] = process.argv.slice(2)
const test = createTestPaymentProvider()
// Tells the parent the order is written, then never answers: the parent kills us here.
const hanging: PaymentProvider = {
  ...test,
  async authorize() {
    process.stdout.write('authorizing\n')
    return new Promise(() => undefined)
  },
}
const commerce = createCommerce({
  storage: postgresStorage({ connectionString: url!, poolSize: 2 }),
  logger: silentLogger,
  payments: [hanging],
  unitsSold: false,
})
await commerce.checkout.placeOrder({
  cartId: cartId!,
  idempotencyKey: key!,
  payment: { method: 'pm_card_visa' },
})
