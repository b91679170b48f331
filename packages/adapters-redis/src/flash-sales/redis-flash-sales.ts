import {
  type Clock,
  ConflictError,
  createIdGenerator,
  FlashSaleError,
  type IdGenerator,
  NotFoundError,
  parseConfig,
  parseInput,
  StorageError,
  systemClock,
  ValidationError,
} from '@souk/core'
import { z } from 'zod'
import { mapRedisError, withRedisErrors } from '../map-redis-error.js'
import { isRedisClient, type RedisClient } from '../redis-client.js'
import { DEFAULT_KEY_PREFIX, hashTag, keyPrefixSchema } from '../redis-keys.js'
import {
  type CreateFlashSaleInput,
  createFlashSaleSchema,
  type FlashSaleCustomerInput,
  type FlashSaleRef,
  flashSaleCustomerSchema,
  flashSaleRefSchema,
} from './flash-sale-schemas.js'
import { ADMIT_LUA, CREATE_SALE_LUA, RELEASE_LUA } from './flash-sale-scripts.js'
import type { FlashSale, FlashSaleAdmission, FlashSaleKeys, FlashSaleStats } from './flash-sale-types.js'

/** Default time a sale's keys stay in Redis after it ends (for stats and late releases): 7 days. */
export const DEFAULT_FLASH_SALE_RETAIN_MS = 7 * 24 * 60 * 60 * 1000

export interface RedisFlashSalesOptions {
  /** An ioredis `Redis` or `Cluster` client that you own; never closed here. */
  readonly redis: RedisClient
  /** Namespace of every key: `<prefix>:flash:{sale:<id>}...`. Default `'souk'`. */
  readonly prefix?: string
  /** Decides whether a sale has started or ended. Default: the system clock. */
  readonly clock?: Clock
  /** Makes ticket ids (`fst_<ulid>`). Default: core's ULID generator on `clock`. */
  readonly ids?: IdGenerator
  /** How long a sale's keys outlive its end, in ms. Default 7 days. */
  readonly retainMs?: number
}

/**
 * A flash-sale gate: admits at most a sale's quantity, one atomic Lua script per call, so only
 * winners go on to reserve stock in the database. The database stays the source of truth: the
 * gate sheds load, it does not hold stock.
 */
export interface FlashSales {
  /**
   * Opens a sale for `quantity` units of `sku`, from `startsAt` (default now) until `endsAt`, with
   * `perCustomerLimit` admissions per customer (default 1). Throws `ConflictError` if the sale id
   * exists and `ValidationError` for bad input or an `endsAt` that has passed.
   */
  createSale(input: CreateFlashSaleInput): Promise<FlashSale>
  /**
   * Admits the customer, taking one unit. Throws `FlashSaleError` with code
   * `flash_sale.sold_out`, `flash_sale.already_admitted` (the customer holds `perCustomerLimit`
   * admissions), `flash_sale.not_started` or `flash_sale.ended`; `NotFoundError` for an unknown
   * sale; `StorageError` when Redis fails (the caller chooses to fail closed or go to the database).
   */
  admit(input: FlashSaleCustomerInput): Promise<FlashSaleAdmission>
  /**
   * Gives one of the customer's admissions back (a winner whose checkout failed). Returns
   * `{ released: false }` when the customer holds none, so a repeated or racing release returns a
   * unit exactly once. Throws `NotFoundError` for an unknown sale.
   */
  release(input: FlashSaleCustomerInput): Promise<{ released: boolean }>
  /** Admissions the customer holds now (0 if none); checkout may require one. */
  held(input: FlashSaleCustomerInput): Promise<number>
  /** Units left. Throws `NotFoundError` for an unknown sale. */
  remaining(input: FlashSaleRef): Promise<number>
  /** The sale with its counters, read in one MULTI. Throws `NotFoundError` for an unknown sale. */
  stats(input: FlashSaleRef): Promise<FlashSaleStats>
  /** The sale's Redis keys; all share the hash tag `{sale:<id>}` and so one Cluster slot. */
  keysOf(input: FlashSaleRef): FlashSaleKeys
}

const optionsSchema = z.strictObject({
  redis: z.custom<RedisClient>(isRedisClient, {
    message: 'redis must be an ioredis Redis or Cluster client',
  }),
  prefix: keyPrefixSchema.default(DEFAULT_KEY_PREFIX),
  clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function').optional(),
  ids: z.custom<IdGenerator>((v) => typeof v === 'function').optional(),
  retainMs: z
    .number()
    .int()
    .min(0)
    .max(365 * 24 * 60 * 60 * 1000)
    .default(DEFAULT_FLASH_SALE_RETAIN_MS),
})

interface FlashSaleCommands {
  soukFlashSaleCreate(
    saleKey: string,
    customersKey: string,
    sku: string,
    quantity: number,
    limit: number,
    startsAt: number,
    endsAt: number,
    expireAt: number,
  ): Promise<number>
  soukFlashSaleAdmit(
    saleKey: string,
    customersKey: string,
    now: number,
    customerId: string,
  ): Promise<unknown[]>
  soukFlashSaleRelease(saleKey: string, customersKey: string, customerId: string): Promise<number>
}

function unexpected(operation: string, reply: unknown): StorageError {
  return new StorageError('storage.failed', `Redis ${operation} returned an unexpected reply`, {
    backend: 'redis',
    operation,
    reply: JSON.stringify(reply) ?? String(reply),
  })
}

const iso = (epochMs: unknown) => new Date(Number(epochMs)).toISOString()

/**
 * Builds the flash-sale gate over an ioredis client. See {@link FlashSales}; the Lua scripts are in
 * flash-sale-scripts.ts, registered with `defineCommand` (EVALSHA, EVAL on NOSCRIPT).
 */
export function redisFlashSales(options: RedisFlashSalesOptions): FlashSales {
  const config = parseConfig(optionsSchema, options, 'redisFlashSales options')
  const { redis, prefix, retainMs } = config
  const clock = config.clock ?? systemClock
  const ids = config.ids ?? createIdGenerator(() => clock.now().getTime())
  redis.defineCommand('soukFlashSaleCreate', { numberOfKeys: 2, lua: CREATE_SALE_LUA })
  redis.defineCommand('soukFlashSaleAdmit', { numberOfKeys: 2, lua: ADMIT_LUA })
  redis.defineCommand('soukFlashSaleRelease', { numberOfKeys: 2, lua: RELEASE_LUA })
  const commands = redis as RedisClient & FlashSaleCommands

  /** The keys of a sale id validated by the caller. */
  function saleKeys(saleId: string): FlashSaleKeys {
    const sale = `${prefix}:flash:${hashTag('sale', saleId)}`
    return { sale, customers: `${sale}:customers` }
  }

  const saleIdOf = (input: FlashSaleRef) => parseInput(flashSaleRefSchema, input, 'flash sale').saleId

  async function readSale(saleId: string): Promise<{ sale: Record<string, string>; holders: number }> {
    const keys = saleKeys(saleId)
    // One MULTI (legal on Cluster: both keys share a slot) so the counters agree with each other.
    const replies = await withRedisErrors('flash sale stats', () =>
      redis.multi().hgetall(keys.sale).hlen(keys.customers).exec(),
    )
    if (!replies) throw unexpected('flash sale stats', replies)
    const failed = replies.find(([error]) => error)?.[0]
    if (failed) throw mapRedisError('flash sale stats', failed)
    const sale = replies[0]?.[1] as Record<string, string>
    if (!sale || Object.keys(sale).length === 0) throw new NotFoundError('flash sale', saleId)
    return { sale, holders: Number(replies[1]?.[1]) }
  }

  return {
    keysOf: (input) => saleKeys(saleIdOf(input)),

    async createSale(input) {
      const sale = parseInput(createFlashSaleSchema, input, 'flash sale')
      const now = clock.now()
      const startsAt = sale.startsAt ?? now
      if (sale.endsAt <= now || sale.endsAt <= startsAt) {
        throw new ValidationError(`Invalid flash sale: endsAt ${sale.endsAt.toISOString()} has passed`, [
          { path: 'endsAt', message: 'endsAt must be in the future and after startsAt' },
        ])
      }
      const keys = saleKeys(sale.saleId)
      const created = await withRedisErrors('flash sale create', () =>
        commands.soukFlashSaleCreate(
          keys.sale,
          keys.customers,
          sale.sku,
          sale.quantity,
          sale.perCustomerLimit,
          startsAt.getTime(),
          sale.endsAt.getTime(),
          sale.endsAt.getTime() + retainMs,
        ),
      )
      if (created !== 1) {
        throw new ConflictError(`Flash sale ${sale.saleId} already exists`, { saleId: sale.saleId })
      }
      return {
        id: sale.saleId,
        sku: sale.sku,
        quantity: sale.quantity,
        perCustomerLimit: sale.perCustomerLimit,
        startsAt,
        endsAt: sale.endsAt,
      }
    },

    async admit(input) {
      const { saleId, customerId } = parseInput(flashSaleCustomerSchema, input, 'flash sale admission')
      const keys = saleKeys(saleId)
      const now = clock.now()
      const reply = await withRedisErrors('flash sale admit', () =>
        commands.soukFlashSaleAdmit(keys.sale, keys.customers, now.getTime(), customerId),
      )
      const [outcome, a, b, c] = reply
      switch (outcome) {
        case 'admitted':
          return {
            admitted: true,
            remaining: Number(b),
            ticket: { id: ids('fst'), saleId, customerId, sku: String(c), held: Number(a), admittedAt: now },
          }
        case 'sold_out':
          throw new FlashSaleError('flash_sale.sold_out', `Flash sale ${saleId} is sold out`, {
            saleId,
            customerId,
          })
        case 'already_admitted':
          throw new FlashSaleError(
            'flash_sale.already_admitted',
            `Customer ${customerId} already holds ${a} of ${b} admissions to flash sale ${saleId}`,
            { saleId, customerId, held: Number(a), limit: Number(b) },
          )
        case 'not_started':
          throw new FlashSaleError('flash_sale.not_started', `Flash sale ${saleId} starts at ${iso(a)}`, {
            saleId,
            customerId,
            startsAt: iso(a),
            endsAt: iso(b),
          })
        case 'ended':
          throw new FlashSaleError('flash_sale.ended', `Flash sale ${saleId} ended at ${iso(b)}`, {
            saleId,
            customerId,
            startsAt: iso(a),
            endsAt: iso(b),
          })
        case 'missing':
          throw new NotFoundError('flash sale', saleId)
        default:
          throw unexpected('flash sale admit', reply)
      }
    },

    async release(input) {
      const { saleId, customerId } = parseInput(flashSaleCustomerSchema, input, 'flash sale release')
      const keys = saleKeys(saleId)
      const outcome = await withRedisErrors('flash sale release', () =>
        commands.soukFlashSaleRelease(keys.sale, keys.customers, customerId),
      )
      if (outcome === -1) throw new NotFoundError('flash sale', saleId)
      if (outcome !== 0 && outcome !== 1) throw unexpected('flash sale release', outcome)
      return { released: outcome === 1 }
    },

    async held(input) {
      const { saleId, customerId } = parseInput(flashSaleCustomerSchema, input, 'flash sale customer')
      const keys = saleKeys(saleId)
      const held = await withRedisErrors('flash sale held', () => redis.hget(keys.customers, customerId))
      return held === null ? 0 : Number(held)
    },

    async remaining(input) {
      const saleId = saleIdOf(input)
      const keys = saleKeys(saleId)
      const remaining = await withRedisErrors('flash sale remaining', () =>
        redis.hget(keys.sale, 'remaining'),
      )
      if (remaining === null) throw new NotFoundError('flash sale', saleId)
      return Number(remaining)
    },

    async stats(input) {
      const saleId = saleIdOf(input)
      const { sale, holders } = await readSale(saleId)
      const quantity = Number(sale.quantity)
      const remaining = Number(sale.remaining)
      return {
        id: saleId,
        sku: String(sale.sku),
        quantity,
        perCustomerLimit: Number(sale.limit),
        startsAt: new Date(Number(sale.startsAt)),
        endsAt: new Date(Number(sale.endsAt)),
        remaining,
        admitted: Number(sale.admitted),
        released: Number(sale.released),
        held: quantity - remaining,
        holders,
      }
    },
  }
}
