import { postgresStorage } from '@souk/adapters-postgres'
import { type RedisClient, redisCartStore } from '@souk/adapters-redis'
import { createCommerce } from '@souk/core'
import { benchKeyPrefix, connectRedis, deleteKeys } from './lib/bench-redis.js'
import type { Benchmark, BenchmarkContext, CaseResult } from './lib/benchmark.js'
import { caseResult, describeCase } from './lib/case-result.js'
import { seedSimpleProducts } from './lib/catalog-seed.js'
import { runTimed } from './lib/timed-run.js'

/** SKUs each cart cycles through: a cart of a few lines, each added to again and again. */
const SKUS = 5
const SPARE_CONNECTIONS = 4
const PREFIX = 'ct'

const count = (n: number) => Math.round(n).toLocaleString('en-US')

interface CartCase {
  readonly store: 'postgres' | 'redis'
  readonly callers: number
}

const CASES: readonly CartCase[] = [
  { store: 'postgres', callers: 1 },
  { store: 'postgres', callers: 16 },
  { store: 'redis', callers: 1 },
  { store: 'redis', callers: 16 },
]

const title = (store: CartCase['store']) =>
  store === 'postgres' ? 'addItem, Postgres cart store' : 'addItem, redisCartStore over Postgres'

async function runCase(
  context: BenchmarkContext,
  { store, callers }: CartCase,
  redis: RedisClient,
  prefix: string,
): Promise<CaseResult> {
  const { databaseUrl, settings, progress } = context
  const storage = postgresStorage({ connectionString: databaseUrl, poolSize: callers + SPARE_CONNECTIONS })
  const commerce = createCommerce({
    storage,
    ...(store === 'redis' ? { carts: redisCartStore({ redis, durable: storage.carts, prefix }) } : {}),
  })
  try {
    // One cart per caller, made before timing.
    const carts: string[] = []
    for (let i = 0; i < callers; i++) carts.push((await commerce.cart.create({ currency: 'USD' })).id)
    const turns = new Array<number>(callers).fill(0)
    const run = await runTimed({
      callers,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      async op(caller) {
        const turn = turns[caller] ?? 0
        turns[caller] = turn + 1
        const sku = `${PREFIX}-${1 + (turn % SKUS)}`
        await commerce.cart.addItem({ cartId: carts[caller]!, sku, quantity: 1 })
      },
      onStatus({ phase, elapsedSeconds, ops }) {
        const total = phase === 'warm-up' ? settings.warmupSeconds : settings.seconds
        progress.update(
          `cart · ${title(store)} ×${callers} · ${phase} ${elapsedSeconds.toFixed(1)}/${total} s · ${count(ops)} ops`,
        )
      },
    })
    progress.clear()
    return caseResult(title(store), callers, run)
  } finally {
    await commerce.close()
  }
}

export const cartAddItem: Benchmark = {
  name: 'cart',
  title: 'Cart: add to cart on Postgres and Redis cart stores',
  async run(context) {
    const { databaseUrl, settings } = context
    await seedSimpleProducts(databaseUrl, { prefix: PREFIX, count: SKUS, onHand: 1_000_000, price: 1_500 })
    const redis = await connectRedis()
    const prefix = benchKeyPrefix()
    try {
      const cases: CaseResult[] = []
      for (const cartCase of CASES) {
        const result = await runCase(context, cartCase, redis, prefix)
        cases.push(result)
        context.log(describeCase(result))
      }
      return {
        cases,
        checks: [],
        notes: [
          `Each caller owns one USD cart (made before timing) and loops \`commerce.cart.addItem({ cartId, sku, quantity: 1 })\` over ${SKUS} SKUs in turn, so carts hold ${SKUS} lines whose quantities keep growing; ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up; node-postgres pool of callers + ${SPARE_CONNECTIONS}.`,
          `Redis cases: \`redisCartStore({ redis, durable: storage.carts, prefix })\` passed as createCommerce's \`carts\`, over one ioredis client at ${process.env.REDIS_URL ? 'REDIS_URL' : '127.0.0.1:6379'}; writes go to Postgres first, then Redis; reads come from Redis. Keys under the run's random prefix (${prefix}) are deleted afterwards.`,
          'Each addItem also prices the cart from the catalog (Postgres) and reads availability. No ceiling applies (ceiling n/a).',
        ],
      }
    } finally {
      await deleteKeys(redis, prefix).catch(() => 0)
      redis.disconnect()
    }
  },
}
