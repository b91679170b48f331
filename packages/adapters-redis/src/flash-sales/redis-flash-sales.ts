import {
  type ClaimedFlashSaleTicket,
  type Clock,
  ConflictError,
  consoleLogger,
  createIdGenerator,
  DEFAULT_RESERVATION_TTL_MS,
  type FlashSaleClaimInput,
  FlashSaleError,
  type FlashSalePrices,
  type IdGenerator,
  type Logger,
  type Money,
  money,
  NotFoundError,
  parseConfig,
  parseInput,
  StorageError,
  systemClock,
  ValidationError,
} from '@souk/core'
import type { ChainableCommander } from 'ioredis'
import { z } from 'zod'
import { mapRedisError, withRedisErrors } from '../map-redis-error.js'
import { isRedisClient, type RedisClient } from '../redis-client.js'
import { DEFAULT_KEY_PREFIX, keyPrefixSchema } from '../redis-keys.js'
import { waitForReplicasSchema } from '../replica-ack.js'
import { borrowAndAdmit, type SlottedSale, wakeSlots } from './flash-sale-borrow.js'
import { defineFlashSaleCommands, keyList } from './flash-sale-commands.js'
import { createSaleLayout } from './flash-sale-layout.js'
import {
  type CreateFlashSaleInput,
  createFlashSaleSchema,
  type FlashSaleCustomerInput,
  type FlashSaleRef,
  type FlashSaleSlotsRef,
  flashSaleClaimSchema,
  flashSaleCustomerSchema,
  flashSaleRefSchema,
  flashSaleSlotsRefSchema,
} from './flash-sale-schemas.js'
import { homeSlot, splitQuantity } from './flash-sale-slots.js'
import type { FlashSale, FlashSaleAdmission, FlashSaleKeys, FlashSaleStats } from './flash-sale-types.js'

/** Default time a sale's keys stay in Redis after it ends (for stats and late releases): 7 days. */
export const DEFAULT_FLASH_SALE_RETAIN_MS = 7 * 24 * 60 * 60 * 1000

/**
 * Default time a slot that found every other slot of its sale empty answers sold_out on its own,
 * without asking them again: 1 second. A release, or a borrow that leaves units over, ends it early.
 */
export const DEFAULT_FLASH_SALE_SLOT_SOLD_OUT_MS = 1000

/** Default time a write waits for `waitForReplicas` replicas to acknowledge it: 1 second. */
export const DEFAULT_FLASH_SALE_REPLICA_WAIT_MS = 1000

/** How long the slots of a sale that `createSale` is still writing live unless it opens them. */
const PENDING_TTL_MS = 60_000

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
  /**
   * For sales with `slots` above 1: how long, in ms, a slot that found every other slot empty
   * answers `flash_sale.sold_out` by itself before it asks them again. A release, or a borrow that
   * leaves units over, ends it at once; this bound only matters when that signal was lost (Redis
   * failed while sending it). Default 1000.
   */
  readonly slotSoldOutMs?: number
  /** Where a failed wake-up of another slot is reported. Default: `consoleLogger('warn')`. */
  readonly logger?: Logger
  /**
   * Replicas that must hold each of the gate's writes before it counts (Redis `WAIT`, sent to the
   * same node right after the write): a sale's creation, an admission, a unit lent between slots,
   * a release, a ticket claim. A write fewer replicas acknowledged within `replicaWaitMs` throws
   * `storage.unavailable` (the master may still have applied it; an admission is then given back
   * at once, so it holds no unit). With 1 on a Cluster whose masters
   * each have a replica, a master that dies cannot take an acknowledged admission with it, so a
   * failover cannot make the gate admit more than the quantity. Costs one round trip per write
   * (rejections write nothing and never wait). Default 0: do not wait.
   */
  readonly waitForReplicas?: number
  /** How long a write waits for `waitForReplicas` replicas, in ms. Default 1000. */
  readonly replicaWaitMs?: number
}

/**
 * A flash-sale gate: admits at most a sale's quantity, one atomic Lua script per call, so only
 * winners go on to reserve stock in the database. The database stays the source of truth: the
 * gate sheds load, it does not hold stock.
 *
 * A sale created with `slots: N` splits its units over N slots under different hash tags, which a
 * Redis Cluster spreads over its masters, so the sale's admissions scale with the masters. Each
 * customer is served by one slot (their home slot, by a hash of the customer id); a home slot that
 * runs out borrows from the others. See docs/redis.md, "Sales over many nodes".
 */
export interface FlashSales extends FlashSalePrices {
  /**
   * Opens a sale for `quantity` units of `sku`, from `startsAt` (default now) until `endsAt`, with
   * `perCustomerLimit` admissions per customer (default 1), split over `slots` Redis slots
   * (default 1). Throws `ConflictError` if the sale id exists and `ValidationError` for bad input
   * or an `endsAt` that has passed. A sale with slots is written pending and opened once every
   * slot is written; if this call fails half-way, the half-written sale vanishes within a minute
   * and the same id may be created again.
   */
  createSale(input: CreateFlashSaleInput): Promise<FlashSale>
  /**
   * Admits the customer, taking one unit. Throws `FlashSaleError` with code
   * `flash_sale.sold_out`, `flash_sale.already_admitted` (the customer holds `perCustomerLimit`
   * admissions), `flash_sale.not_started` or `flash_sale.ended`; `NotFoundError` for an unknown
   * sale; `StorageError` when Redis fails (the caller chooses to fail closed or go to the database).
   * With slots: one script on the customer's home slot; when that slot is empty, up to
   * `2 * slots + 2` lends from the others and as many admits (see docs/redis.md for what
   * `sold_out` then guarantees).
   */
  admit(input: FlashSaleCustomerInput): Promise<FlashSaleAdmission>
  /**
   * Gives one of the customer's admissions back (a winner whose checkout failed) to the slot it
   * came from. Returns `{ released: false }` when the customer holds none, so a repeated or racing
   * release returns a unit exactly once. Throws `NotFoundError` for an unknown sale.
   */
  release(input: FlashSaleCustomerInput): Promise<{ released: boolean }>
  /** Admissions the customer holds now (0 if none); checkout may require one. */
  held(input: FlashSaleCustomerInput): Promise<number>
  /** Units left, summed over the slots. Throws `NotFoundError` for an unknown sale. */
  remaining(input: FlashSaleRef): Promise<number>
  /**
   * The sale with its counters summed over its slots, each slot read in one MULTI (so a running
   * sale with slots is read slot by slot, not at one instant). Throws `NotFoundError` for an
   * unknown sale.
   */
  stats(input: FlashSaleRef): Promise<FlashSaleStats>
  /** The Redis keys of the sale's slot 0 (of a one-slot sale: all its keys), under `{sale:<id>}`. */
  keysOf(input: FlashSaleRef): FlashSaleKeys
  /** The Redis keys of each of the sale's `slots` slots, index = slot; each slot under its own tag. */
  slotKeysOf(input: FlashSaleSlotsRef): readonly FlashSaleKeys[]
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
  slotSoldOutMs: z.number().int().min(0).max(60_000).default(DEFAULT_FLASH_SALE_SLOT_SOLD_OUT_MS),
  waitForReplicas: waitForReplicasSchema,
  replicaWaitMs: z.number().int().min(1).max(60_000).default(DEFAULT_FLASH_SALE_REPLICA_WAIT_MS),
  logger: z
    .custom<Logger>((v) => typeof (v as Logger | undefined)?.warn === 'function', {
      message: 'logger needs warn()',
    })
    .optional(),
})

function unexpected(operation: string, reply: unknown): StorageError {
  return new StorageError('storage.failed', `Redis ${operation} returned an unexpected reply`, {
    backend: 'redis',
    operation,
    reply: JSON.stringify(reply) ?? String(reply),
  })
}

const iso = (epochMs: unknown) => new Date(Number(epochMs)).toISOString()
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value))

/**
 * Runs a MULTI or pipeline (all its keys in one slot, so legal on Cluster, and sent to one node)
 * and returns each command's reply.
 */
async function execMulti(operation: string, multi: ChainableCommander): Promise<unknown[]> {
  const replies = await withRedisErrors(operation, () => multi.exec())
  if (!replies) throw unexpected(operation, replies)
  const failed = replies.find(([error]) => error)?.[0]
  if (failed) throw mapRedisError(operation, failed)
  return replies.map(([, reply]) => reply)
}

/**
 * Builds the flash-sale gate over an ioredis client. See {@link FlashSales}; the Lua scripts are in
 * flash-sale-scripts.ts, registered with `defineCommand` (EVALSHA, EVAL on NOSCRIPT), and the
 * slot layout in flash-sale-slots.ts.
 */
export function redisFlashSales(options: RedisFlashSalesOptions): FlashSales {
  const config = parseConfig(optionsSchema, options, 'redisFlashSales options')
  const { redis, prefix, retainMs, ticketGraceMs, slotSoldOutMs, waitForReplicas, replicaWaitMs } = config
  const clock = config.clock ?? systemClock
  const ids = config.ids ?? createIdGenerator(() => clock.now().getTime())
  const logger = config.logger ?? consoleLogger('warn')
  const commands = defineFlashSaleCommands(redis)
  const layout = createSaleLayout(prefix)

  /**
   * With `waitForReplicas`, waits until that many replicas hold the writes this client made to
   * `key`'s node: `WAIT` counts the replicas that have everything the connection wrote, and a
   * pipeline led by a command on `key` goes to that key's node, on the connection of the write.
   * Only writes wait: the sold-out path, the hot one, never does.
   */
  async function replicated(operation: string, key: string): Promise<void> {
    if (waitForReplicas === 0) return
    const [, waited] = await execMulti(
      operation,
      redis.pipeline().exists(key).wait(waitForReplicas, replicaWaitMs),
    )
    if (Number(waited) < waitForReplicas) {
      throw new StorageError(
        'storage.unavailable',
        `Redis ${operation} failed: ${waited} of ${waitForReplicas} replica(s) acknowledged the write within ${replicaWaitMs} ms`,
        { backend: 'redis', operation, replicas: waitForReplicas, acknowledged: Number(waited) },
      )
    }
  }

  /** Releases an admission whose replication failed; a failure here is logged (the unit stays taken). */
  async function giveBack(saleId: string, slots: number, home: number, customerId: string): Promise<void> {
    try {
      const keys = layout.keys(saleId, slots)[home]!
      const reply = await commands.soukFlashSaleRelease(...keyList(keys), slots, customerId)
      if (reply[0] === 'released' && slots > 1) await wakeSlots(slotted(saleId, slots), home)
    } catch (error) {
      logger.warn('souk flash sale: could not give back an admission no replica acknowledged', {
        saleId,
        customerId,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  const slotted = (saleId: string, slots: number): SlottedSale => ({
    commands,
    logger,
    saleId,
    slots,
    keys: layout.keys(saleId, slots),
    replicated,
  })

  /**
   * Runs `attempt` with the slot count this process believes the sale has. A `{'slots', n}` reply
   * (the sale has n) teaches it the count and runs again; `{'missing'}` under a learned count
   * above 1 forgets it and runs again as a one-slot sale (the id may have been created anew).
   */
  async function withSlots(
    operation: string,
    saleId: string,
    attempt: (slots: number) => Promise<unknown[]>,
  ): Promise<unknown[]> {
    let reply: unknown[] = []
    for (let tries = 0; tries < 4; tries++) {
      const slots = layout.slotsOf(saleId)
      reply = await attempt(slots)
      if (reply[0] === 'slots') layout.learn(saleId, Number(reply[1]))
      else if (reply[0] === 'missing' && slots > 1) layout.forget(saleId)
      else return reply
    }
    if (reply[0] === 'missing') return reply
    throw unexpected(operation, reply)
  }

  const priceOf = (amount: unknown, currency: unknown): Money | null =>
    amount === null || amount === undefined || amount === false
      ? null
      : money(Number(amount), String(currency))

  /** One sale's part of a claim, on the customer's home slot: runs its script and says how it went. */
  function claimSale(
    saleId: string,
    ticketIds: readonly string[],
    input: { customerId: string; claimKey: string },
  ): Promise<unknown[]> {
    return withSlots('flash sale claim', saleId, async (slots) => {
      const keys = layout.keys(saleId, slots)[homeSlot(input.customerId, slots)]!
      const reply = await withRedisErrors('flash sale claim', () =>
        commands.soukFlashSaleClaim(
          ...keyList(keys),
          slots,
          clock.now().getTime(),
          input.customerId,
          input.claimKey,
          ticketGraceMs,
          ...ticketIds,
        ),
      )
      if (reply[0] === 'ok') await replicated('flash sale claim', keys.sale)
      return reply
    })
  }

  async function unclaimSale(
    saleId: string,
    ticketIds: readonly string[],
    input: { customerId: string; claimKey: string },
  ): Promise<void> {
    await withSlots('flash sale unclaim', saleId, (slots) => {
      const keys = layout.keys(saleId, slots)[homeSlot(input.customerId, slots)]!
      return withRedisErrors('flash sale unclaim', () =>
        commands.soukFlashSaleUnclaim(
          ...keyList(keys),
          slots,
          input.customerId,
          input.claimKey,
          ...ticketIds,
        ),
      )
    })
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

  /** Every slot's sale hash and customer count, each slot in one MULTI; slot 0 first. */
  async function readSale(saleId: string): Promise<{ sale: Record<string, string>; holders: number }[]> {
    const reply = await withSlots('flash sale stats', saleId, async (slots) => {
      const rows = await Promise.all(
        layout
          .keys(saleId, slots)
          .map((keys) =>
            execMulti('flash sale stats', redis.multi().hgetall(keys.sale).hlen(keys.customers)),
          ),
      )
      const head = rows[0]?.[0] as Record<string, string> | undefined
      if (!head || head.remaining === undefined || head.pending !== undefined) return ['missing']
      if (num(head.slots ?? 1) !== slots) return ['slots', num(head.slots ?? 1)]
      return [
        'ok',
        ...rows.map(([sale, holders]) => ({ sale: sale as Record<string, string>, holders: num(holders) })),
      ]
    })
    if (reply[0] === 'missing') throw new NotFoundError('flash sale', saleId)
    return reply.slice(1) as { sale: Record<string, string>; holders: number }[]
  }

  return {
    keysOf: (input) => layout.keys(saleIdOf(input), 1)[0]!,

    slotKeysOf(input) {
      const { saleId, slots } = parseInput(flashSaleSlotsRefSchema, input, 'flash sale')
      return layout.keys(saleId, slots)
    },

    async createSale(input) {
      const sale = parseInput(createFlashSaleSchema, input, 'flash sale')
      const now = clock.now()
      const startsAt = sale.startsAt ?? now
      if (sale.endsAt <= now || sale.endsAt <= startsAt) {
        throw new ValidationError(`Invalid flash sale: endsAt ${sale.endsAt.toISOString()} has passed`, [
          { path: 'endsAt', message: 'endsAt must be in the future and after startsAt' },
        ])
      }
      const { slots } = sale
      const keys = layout.keys(sale.saleId, slots)
      const shares = splitQuantity(sale.quantity, slots)
      const write = (slot: number, mode: 'new' | 'replace') =>
        commands.soukFlashSaleCreate(
          ...keyList(keys[slot]!),
          sale.sku,
          sale.quantity,
          sale.perCustomerLimit,
          startsAt.getTime(),
          sale.endsAt.getTime(),
          sale.endsAt.getTime() + retainMs,
          sale.price?.amount ?? '',
          sale.price?.currency ?? '',
          slots,
          slot,
          shares[slot]!,
          mode,
          PENDING_TTL_MS,
        )
      // Slot 0 first: it decides whether the id is free, and while it is pending nobody is served.
      const created = await withRedisErrors('flash sale create', () => write(0, 'new'))
      if (created !== 1) {
        throw new ConflictError(`Flash sale ${sale.saleId} already exists`, { saleId: sale.saleId })
      }
      if (slots > 1) {
        await withRedisErrors('flash sale create', async () => {
          const others = keys.slice(1).map((_, i) => i + 1)
          await Promise.all(others.map((slot) => write(slot, 'replace')))
          // Open the others before slot 0, so a buyer who can find the sale finds every slot.
          const opened = await Promise.all(others.map((slot) => commands.soukFlashSaleOpen(keys[slot]!.sale)))
          opened.push(await commands.soukFlashSaleOpen(keys[0]!.sale))
          if (opened.some((o) => o !== 1)) {
            throw new StorageError(
              'storage.failed',
              `Flash sale ${sale.saleId}: a slot expired before it was opened`,
              { backend: 'redis', operation: 'flash sale create' },
            )
          }
        })
      }
      await Promise.all(keys.map((k) => replicated('flash sale create', k.sale)))
      layout.learn(sale.saleId, slots)
      return {
        id: sale.saleId,
        sku: sale.sku,
        quantity: sale.quantity,
        perCustomerLimit: sale.perCustomerLimit,
        startsAt,
        endsAt: sale.endsAt,
        price: sale.price ? { amount: sale.price.amount, currency: sale.price.currency } : null,
        slots,
      }
    },

    async admit(input) {
      const { saleId, customerId } = parseInput(flashSaleCustomerSchema, input, 'flash sale admission')
      const now = clock.now()
      const ticketId = ids('fst')
      const reply = await withSlots('flash sale admit', saleId, async (slots) => {
        const home = homeSlot(customerId, slots)
        const keys = keyList(layout.keys(saleId, slots)[home]!)
        const admitAt = (...credit: [] | [donor: number, lentTotal: number]) =>
          withRedisErrors('flash sale admit', () =>
            commands.soukFlashSaleAdmit(...keys, slots, now.getTime(), customerId, ticketId, ...credit),
          )
        const first = await admitAt()
        const reply =
          first[0] === 'empty'
            ? await borrowAndAdmit(
                slotted(saleId, slots),
                home,
                first,
                (donor, lentTotal) => admitAt(donor, lentTotal),
                now.getTime() + slotSoldOutMs,
              )
            : first
        if (reply[0] === 'admitted') {
          try {
            await replicated('flash sale admit', keys[0])
          } catch (error) {
            // The admission does not count, so it must not hold a unit either: give it back
            // (unreplicated, like the admission: if the master dies, both are gone together).
            await giveBack(saleId, slots, home, customerId)
            throw error
          }
        }
        return reply
      })
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
      const [outcome] = await withSlots('flash sale release', saleId, async (slots) => {
        const home = homeSlot(customerId, slots)
        const keys = layout.keys(saleId, slots)[home]!
        const reply = await withRedisErrors('flash sale release', () =>
          commands.soukFlashSaleRelease(...keyList(keys), slots, customerId),
        )
        if (reply[0] === 'released') await replicated('flash sale release', keys.sale)
        // The unit is back in the home slot: slots that stopped asking (dry) must ask again.
        if (reply[0] === 'released' && slots > 1) await wakeSlots(slotted(saleId, slots), home)
        return reply
      })
      if (outcome === 'missing') throw new NotFoundError('flash sale', saleId)
      if (outcome !== 'released' && outcome !== 'none') throw unexpected('flash sale release', outcome)
      return { released: outcome === 'released' }
    },

    async held(input) {
      const { saleId, customerId } = parseInput(flashSaleCustomerSchema, input, 'flash sale customer')
      const reply = await withSlots('flash sale held', saleId, async (slots) => {
        const keys = layout.keys(saleId, slots)[homeSlot(customerId, slots)]!
        const [head, held] = await execMulti(
          'flash sale held',
          redis.multi().hmget(keys.sale, 'slots', 'pending', 'remaining').hget(keys.customers, customerId),
        )
        const [count, pending, remaining] = head as (string | null)[]
        if (remaining === null || pending !== null) return ['missing']
        if (num(count ?? 1) !== slots) return ['slots', num(count ?? 1)]
        return ['ok', held]
      })
      return reply[0] === 'ok' ? num(reply[1]) : 0
    },

    async remaining(input) {
      const saleId = saleIdOf(input)
      const reply = await withSlots('flash sale remaining', saleId, async (slots) => {
        const rows = await withRedisErrors('flash sale remaining', () =>
          Promise.all(
            layout.keys(saleId, slots).map((keys) => redis.hmget(keys.sale, 'remaining', 'slots', 'pending')),
          ),
        )
        const [remaining, count, pending] = rows[0] ?? []
        if (remaining === null || remaining === undefined || pending !== null) return ['missing']
        if (num(count ?? 1) !== slots) return ['slots', num(count ?? 1)]
        return ['ok', rows.reduce((sum, [units]) => sum + num(units), 0)]
      })
      if (reply[0] === 'missing') throw new NotFoundError('flash sale', saleId)
      return Number(reply[1])
    },

    async stats(input) {
      const saleId = saleIdOf(input)
      const rows = await readSale(saleId)
      const sale = rows[0]!.sale
      const total = (field: string) => rows.reduce((sum, row) => sum + num(row.sale[field]), 0)
      const admitted = total('admitted')
      const released = total('released')
      return {
        id: saleId,
        sku: String(sale.sku),
        quantity: Number(sale.quantity),
        perCustomerLimit: Number(sale.limit),
        startsAt: new Date(Number(sale.startsAt)),
        endsAt: new Date(Number(sale.endsAt)),
        price: priceOf(sale.price, sale.currency),
        slots: rows.length,
        remaining: total('remaining'),
        admitted,
        released,
        held: admitted - released,
        holders: rows.reduce((sum, row) => sum + row.holders, 0),
        inTransit: total('lent') - total('borrowed'),
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
