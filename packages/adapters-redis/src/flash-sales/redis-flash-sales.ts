import {
  type ClaimedFlashSaleTicket,
  type Clock,
  ConflictError,
  createIdGenerator,
  DEFAULT_RESERVATION_TTL_MS,
  type FlashSaleClaimInput,
  FlashSaleError,
  type FlashSalePrices,
  type IdGenerator,
  type Money,
  money,
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
  flashSaleClaimSchema,
  flashSaleCustomerSchema,
  flashSaleRefSchema,
} from './flash-sale-schemas.js'
import { ADMIT_LUA, CLAIM_LUA, CREATE_SALE_LUA, RELEASE_LUA, UNCLAIM_LUA } from './flash-sale-scripts.js'
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
  /**
   * How long after a sale's end its tickets may still be claimed at checkout, in ms (a buyer
   * admitted in the last second still gets to pay). Default 15 minutes, the checkout hold.
   */
  readonly ticketGraceMs?: number
}

/**
 * A flash-sale gate: admits at most a sale's quantity, one atomic Lua script per call, so only
 * winners go on to reserve stock in the database. The database stays the source of truth: the
 * gate sheds load, it does not hold stock.
 */
export interface FlashSales extends FlashSalePrices {
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
  /**
   * Checkout's side (`FlashSalePrices`; pass the gate as `createCommerce({ flashSales })`):
   * verifies that every ticket was issued to `customerId` by a sale with a price, is unclaimed or
   * claimed with `claimKey`, and that its sale ended less than `ticketGraceMs` ago; then claims
   * them for `claimKey` and returns each with its sale's SKU and price. Throws `ValidationError`
   * (path `flashSaleTickets.<i>`) otherwise, leaving every ticket as it was.
   */
  claimTickets(input: FlashSaleClaimInput): Promise<readonly ClaimedFlashSaleTicket[]>
  /** Gives back the tickets claimed with `claimKey` (checkout made no order of them). Idempotent. */
  unclaimTickets(input: FlashSaleClaimInput): Promise<void>
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
  ticketGraceMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60 * 60 * 1000)
    .default(DEFAULT_RESERVATION_TTL_MS),
})

interface FlashSaleCommands {
  soukFlashSaleCreate(
    ...args: [
      ...SaleKeys,
      sku: string,
      quantity: number,
      limit: number,
      startsAt: number,
      endsAt: number,
      expireAt: number,
      price: number | '',
      currency: string,
    ]
  ): Promise<number>
  soukFlashSaleAdmit(
    ...args: [...SaleKeys, now: number, customerId: string, ticketId: string]
  ): Promise<unknown[]>
  soukFlashSaleRelease(...args: [...SaleKeys, customerId: string]): Promise<number>
  soukFlashSaleClaim(
    ...args: [
      ...SaleKeys,
      now: number,
      customerId: string,
      claimKey: string,
      graceMs: number,
      ...ids: string[],
    ]
  ): Promise<unknown[]>
  soukFlashSaleUnclaim(
    ...args: [...SaleKeys, customerId: string, claimKey: string, ...ids: string[]]
  ): Promise<number>
}

/** The five keys every script of a sale takes, in KEYS order. */
type SaleKeys = [sale: string, customers: string, tickets: string, claims: string, holders: string]

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
  const { redis, prefix, retainMs, ticketGraceMs } = config
  const clock = config.clock ?? systemClock
  const ids = config.ids ?? createIdGenerator(() => clock.now().getTime())
  redis.defineCommand('soukFlashSaleCreate', { numberOfKeys: 5, lua: CREATE_SALE_LUA })
  redis.defineCommand('soukFlashSaleAdmit', { numberOfKeys: 5, lua: ADMIT_LUA })
  redis.defineCommand('soukFlashSaleRelease', { numberOfKeys: 5, lua: RELEASE_LUA })
  redis.defineCommand('soukFlashSaleClaim', { numberOfKeys: 5, lua: CLAIM_LUA })
  redis.defineCommand('soukFlashSaleUnclaim', { numberOfKeys: 5, lua: UNCLAIM_LUA })
  const commands = redis as RedisClient & FlashSaleCommands

  /** The keys of a sale id validated by the caller. */
  function saleKeys(saleId: string): FlashSaleKeys {
    const sale = `${prefix}:flash:${hashTag('sale', saleId)}`
    return {
      sale,
      customers: `${sale}:customers`,
      tickets: `${sale}:tickets`,
      claims: `${sale}:claims`,
      holders: `${sale}:holders`,
    }
  }

  const keyList = (k: FlashSaleKeys): SaleKeys => [k.sale, k.customers, k.tickets, k.claims, k.holders]
  const priceOf = (amount: unknown, currency: unknown): Money | null =>
    amount === null || amount === undefined || amount === false
      ? null
      : money(Number(amount), String(currency))

  /** One sale's part of a claim: runs its script and says how it went. */
  async function claimSale(
    saleId: string,
    ticketIds: readonly string[],
    input: { customerId: string; claimKey: string },
  ): Promise<unknown[]> {
    const keys = saleKeys(saleId)
    return withRedisErrors('flash sale claim', () =>
      commands.soukFlashSaleClaim(
        ...keyList(keys),
        clock.now().getTime(),
        input.customerId,
        input.claimKey,
        ticketGraceMs,
        ...ticketIds,
      ),
    )
  }

  async function unclaimSale(
    saleId: string,
    ticketIds: readonly string[],
    input: { customerId: string; claimKey: string },
  ): Promise<void> {
    const keys = saleKeys(saleId)
    await withRedisErrors('flash sale unclaim', () =>
      commands.soukFlashSaleUnclaim(...keyList(keys), input.customerId, input.claimKey, ...ticketIds),
    )
  }

  /** The request's tickets grouped by sale, each with its index in the request. */
  function bySale(tickets: readonly { saleId: string; ticketId: string }[]) {
    const groups = new Map<string, { ticketId: string; index: number }[]>()
    tickets.forEach((t, index) => {
      const group = groups.get(t.saleId) ?? []
      group.push({ ticketId: t.ticketId, index })
      groups.set(t.saleId, group)
    })
    return groups
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
          ...keyList(keys),
          sale.sku,
          sale.quantity,
          sale.perCustomerLimit,
          startsAt.getTime(),
          sale.endsAt.getTime(),
          sale.endsAt.getTime() + retainMs,
          sale.price?.amount ?? '',
          sale.price?.currency ?? '',
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
        price: sale.price ? { amount: sale.price.amount, currency: sale.price.currency } : null,
      }
    },

    async admit(input) {
      const { saleId, customerId } = parseInput(flashSaleCustomerSchema, input, 'flash sale admission')
      const keys = saleKeys(saleId)
      const now = clock.now()
      const ticketId = ids('fst')
      const reply = await withRedisErrors('flash sale admit', () =>
        commands.soukFlashSaleAdmit(...keyList(keys), now.getTime(), customerId, ticketId),
      )
      const [outcome, a, b, c, d, e] = reply
      switch (outcome) {
        case 'admitted':
          return {
            admitted: true,
            remaining: Number(b),
            ticket: {
              id: ticketId,
              saleId,
              customerId,
              sku: String(c),
              held: Number(a),
              admittedAt: now,
              price: priceOf(d, e),
            },
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
        commands.soukFlashSaleRelease(...keyList(keys), customerId),
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
        price: priceOf(sale.price, sale.currency),
        remaining,
        admitted: Number(sale.admitted),
        released: Number(sale.released),
        held: quantity - remaining,
        holders,
      }
    },

    async claimTickets(input) {
      const parsed = parseInput(flashSaleClaimSchema, input, 'flash sale tickets')
      const claimed: (ClaimedFlashSaleTicket & { index: number })[] = []
      const done: [string, string[]][] = []
      const refuse = (index: number, message: string) =>
        new ValidationError(`Invalid flash sale ticket: ${message}`, [
          { path: `flashSaleTickets.${index}`, message },
        ])
      try {
        for (const [saleId, group] of bySale(parsed.tickets)) {
          const ticketIds = group.map((t) => t.ticketId)
          const reply = await claimSale(saleId, ticketIds, parsed)
          const [outcome, a, b, c] = reply
          const indexOf = (id: unknown) => group.find((t) => t.ticketId === id)?.index ?? group[0]!.index
          switch (outcome) {
            case 'ok':
              done.push([saleId, ticketIds])
              for (const t of group) {
                claimed.push({
                  saleId,
                  ticketId: t.ticketId,
                  sku: String(a),
                  price: money(Number(b), String(c)),
                  index: t.index,
                })
              }
              break
            case 'missing':
              throw refuse(group[0]!.index, `flash sale ${saleId} does not exist`)
            case 'no_price':
              throw refuse(group[0]!.index, `flash sale ${saleId} has no sale price`)
            case 'closed':
              throw refuse(group[0]!.index, `flash sale ${saleId} ended at ${iso(a)}`)
            case 'invalid':
              throw refuse(indexOf(a), 'not a ticket of this sale issued to this customer')
            case 'spent':
              throw refuse(indexOf(a), 'already used by another checkout')
            default:
              throw unexpected('flash sale claim', reply)
          }
        }
      } catch (error) {
        // All or nothing across sales too: give back what this call claimed before the refusal.
        for (const [saleId, ticketIds] of done) await unclaimSale(saleId, ticketIds, parsed)
        throw error
      }
      return claimed.sort((x, y) => x.index - y.index).map(({ index: _index, ...ticket }) => ticket)
    },

    async unclaimTickets(input) {
      const parsed = parseInput(flashSaleClaimSchema, input, 'flash sale tickets')
      for (const [saleId, group] of bySale(parsed.tickets)) {
        await unclaimSale(
          saleId,
          group.map((t) => t.ticketId),
          parsed,
        )
      }
    },
  }
}
