import type { Commerce } from '@souk/core'

export interface CartPlan {
  /** SKUs (one unit each) of the cart. */
  readonly skus: readonly string[]
}

/**
 * Creates one ready-to-check-out USD cart per plan through `commerce.cart` (create with an email,
 * then addItem per SKU), `concurrency` at a time, so only what a benchmark times is timed.
 */
export async function prepareCarts(
  commerce: Commerce,
  plans: readonly CartPlan[],
  concurrency: number,
  onProgress: (done: number) => void,
): Promise<string[]> {
  const ids = new Array<string>(plans.length)
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < plans.length) {
      const index = next++
      const cart = await commerce.cart.create({ currency: 'USD', email: `buyer${index}@bench.example` })
      for (const sku of plans[index]!.skus) await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
      ids[index] = cart.id
      onProgress(++done)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return ids
}
