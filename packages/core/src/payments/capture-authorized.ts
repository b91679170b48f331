import type { Clock } from '../clock/clock.js'
import type { OrderRecord } from '../ports/order-store.js'
import type { PaymentProvider } from '../ports/payment-provider.js'
import type { Storage } from '../ports/storage.js'

/**
 * Captures every still-authorized payment of an order (manual capture happens when goods leave).
 * The idempotency key is derived from the payment, so a retry or a second caller changes nothing.
 */
export async function captureAuthorized(
  order: OrderRecord,
  deps: { storage: Storage; providers: ReadonlyMap<string, PaymentProvider>; clock: Clock },
): Promise<void> {
  if (!order.paymentProvider) return
  const provider = deps.providers.get(order.paymentProvider)
  if (!provider) return
  for (const record of await deps.storage.payments.listByOrder(order.id)) {
    if (record.state.status !== 'authorized') continue
    const captured = await provider.capture({
      paymentId: record.state.paymentId,
      idempotencyKey: `${order.id}:capture:${record.state.paymentId}`,
    })
    await deps.storage.payments.save({
      id: record.id,
      orderId: order.id,
      provider: provider.id,
      state: captured,
      at: deps.clock.now(),
    })
  }
}
