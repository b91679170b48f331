import { type PostgresStorage, postgresStorage } from '@souk/adapters-postgres'
import type { CartRecord, CartStore } from '@souk/core'
import { createIdGenerator, isCommerceError } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { Redis } from 'ioredis'

/** A fresh, migrated Postgres database for one test file; the durable side of the cart store. */
export interface CartDatabase {
  readonly url: string
  /** The first storage opened on the database (migrated). */
  readonly storage: PostgresStorage
  /** Another storage with a pool of its own: the durable store of a second "process". */
  open(poolSize?: number): PostgresStorage
  close(): Promise<void>
}

export async function cartDatabase(label: string, poolSize = 20): Promise<CartDatabase> {
  const database: TestDatabase = await createTestDatabase(label)
  const opened: PostgresStorage[] = []
  const open = (size = poolSize) => {
    const storage = postgresStorage({ connectionString: database.url, poolSize: size })
    opened.push(storage)
    return storage
  }
  const storage = open()
  await storage.migrate()
  return {
    url: database.url,
    storage,
    open,
    async close() {
      await Promise.all(opened.map((s) => s.close()))
      await database.drop()
    },
  }
}

/** A client whose server refuses connections (port 1), failing each command at once instead of queueing it. */
export function unreachableClient(): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  client.on('error', () => undefined)
  return client
}

const ids = createIdGenerator()

/** A new open cart in EUR, expiring in 30 days; fields overridable. */
export function newCart(over: Partial<CartRecord> = {}): CartRecord {
  const now = new Date()
  return {
    id: ids('cart'),
    customerId: null,
    currency: 'EUR',
    lines: [],
    email: null,
    promoCode: null,
    shippingAddress: null,
    shippingMethodId: null,
    orderId: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + 30 * 86_400_000),
    ...over,
  }
}

/**
 * What the cart service does for every edit: read, change, compare-and-set, and on a conflict read
 * again and re-apply. Returns how many attempts it took.
 */
export async function casRetry(
  store: CartStore,
  cartId: string,
  change: (cart: CartRecord) => CartRecord,
  maxAttempts = 1000,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const cart = await store.get(cartId)
    if (!cart) throw new Error(`cart ${cartId} vanished`)
    try {
      await store.save({ cart: change(cart), expectedVersion: cart.version })
      return attempt
    } catch (error) {
      if (!isCommerceError(error, 'conflict') || attempt >= maxAttempts) throw error
    }
  }
}

/** Adds `by` to the quantity of the cart's line for `sku` (creating it). */
export function addQuantity(cart: CartRecord, sku: string, by: number): CartRecord {
  const line = cart.lines.find((l) => l.sku === sku)
  const lines = line
    ? cart.lines.map((l) => (l.sku === sku ? { ...l, quantity: l.quantity + by } : l))
    : [...cart.lines, { sku, quantity: by, addedAt: new Date() }]
  return { ...cart, lines, updatedAt: new Date() }
}
