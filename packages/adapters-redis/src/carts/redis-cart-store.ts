import { randomBytes } from 'node:crypto'
import {
  type CartRecord,
  type CartStore,
  type Clock,
  consoleLogger,
  isCommerceError,
  type Logger,
  parseConfig,
  systemClock,
} from '@souk/core'
import type { ChainableCommander } from 'ioredis'
import { z } from 'zod'
import { isRedisClient, type RedisClient } from '../redis-client.js'
import { DEFAULT_KEY_PREFIX, hashTag, keyPrefixSchema } from '../redis-keys.js'
import { sendReplicated, waitForReplicasSchema } from '../replica-ack.js'
import { decodeCart, encodeCart } from './cart-codec.js'
import { GET_CART_LUA, LEASE_CART_LUA, TOMBSTONE_VERSION, WRITE_CART_LUA } from './cart-scripts.js'

/** Default longest life of a cart's Redis copy: 30 days (a copy never outlives its cart's `expiresAt`). */
export const DEFAULT_CART_CACHE_TTL_MS = 30 * 24 * 60 * 60 * 1000
/** Default budget of one Redis call before the store gives up on Redis for that call: 250 ms. */
export const DEFAULT_CART_STORE_TIMEOUT_MS = 250
/** How long a deleted cart's tombstone (and any other fence) stays in Redis: 1 hour. */
export const CART_FENCE_TTL_MS = 60 * 60 * 1000
/** Most carts one store remembers to repair in Redis after failed write-throughs. */
export const MAX_PENDING_CART_REPAIRS = 100_000

/** How long a reader may take to copy a cart in from the durable store: 10 s (then another may). */
const LEASE_TTL_MS = 10_000
/** Repairs sent per drain, in parallel: one round trip's worth, so a read is not held up for long. */
const REPAIR_BATCH = 100
/** Ids that make a readable key and a one-slot hash tag; anything else bypasses Redis. */
const CACHEABLE_ID = /^[A-Za-z0-9_.:-]{1,200}$/

export interface RedisCartStoreOptions {
  /** An ioredis `Redis` or `Cluster` client that you own; the store never closes it. */
  readonly redis: RedisClient
  /** The source of truth, e.g. `storage.carts` of `postgresStorage(...)`. Every write goes here first. */
  readonly durable: CartStore
  /** Namespace of every key: a cart lives under `<prefix>:cart:{<cartId>}`. Default `'souk'`. */
  readonly prefix?: string
  /** Longest life of a cart's Redis copy, in ms; a copy also ends at its cart's `expiresAt`. Default 30 days. */
  readonly ttlMs?: number
  /** Budget of each Redis call in ms; past it the call counts as failed (see {@link RedisCartStore}). Default 250 ms. */
  readonly timeoutMs?: number
  /**
   * Replicas that must hold each Redis write before it counts (Redis `WAIT`, within `timeoutMs`).
   * A write fewer replicas acknowledged is handled like a failed one: this store serves that cart
   * from the durable store and fences the copy once a fence is acknowledged. Set it to the number
   * of replicas per master on a Redis Cluster (or Sentinel) with replicas, so a failover that loses
   * the old master's last writes cannot serve an older cart. Default 0: do not wait.
   */
  readonly waitForReplicas?: number
  /** Decides whether a Redis copy has expired; use the clock you give `createCommerce`. Default: the system clock. */
  readonly clock?: Clock
  /** Where absorbed Redis failures go (`warn`; `error` when repairs overflow). Default: JSON lines on the console at `warn`. */
  readonly logger?: Logger
}

/**
 * Core's `CartStore` as a write-through Redis layer over a durable `CartStore` (Postgres): reads
 * are served from Redis, and the durable store stays the source of truth, so flushing or
 * restarting Redis loses no cart.
 *
 * - `insert`, `save`, `delete` write the durable store first (it does the version
 *   compare-and-set), then Redis. Redis entries are versioned and a write never replaces a newer
 *   version, so racing write-throughs cannot move Redis backwards; `delete` leaves a tombstone.
 * - `readForEdit` (what the cart service reads before an edit, when the durable store has it) goes
 *   to the durable store: it reads the catalog and stock with the cart in one statement anyway, so
 *   an edit costs the durable store's read and compare-and-set, the same statements as without
 *   Redis, plus one Redis round trip for the write-through.
 * - `get` reads Redis. Without a usable copy (none, fenced, or expired by `clock`) it reads the
 *   durable store and copies the cart in (only a fence for a checked-out cart, one with an
 *   `orderId`: checkout writes those past this store), under a lease: the copy is written only if nothing
 *   touched the entry meanwhile (a write, a flush, an eviction), so a slow read-through can never
 *   plant an old cart in a Redis that was just emptied.
 * - `save`'s `ConflictError` re-reads the durable store into Redis before it is rethrown, so a
 *   caller that retries (read, change, save) reads the current cart; `NotFoundError` tombstones.
 * - `findOpenForCustomer`, `listAbandoned`, `claimAbandoned` and `deleteExpired` go to the durable
 *   store (they scan). `claimAbandoned` changes no field of a `CartRecord`. `deleteExpired` only
 *   removes carts whose `expiresAt` has passed, and `get` never serves a copy whose `expiresAt` has
 *   passed by `clock`, so an expired cart's copy is never served after its row is gone.
 *
 * Redis failures never fail a call once the durable store has answered: a failed or timed-out
 * Redis call (over `timeoutMs`) is logged at `warn`; a read then goes to the durable store, and a
 * write that could not reach Redis is remembered, this process serves that cart from the durable
 * store, and the store fences the old copy (writes the new version without data) as soon as Redis
 * answers again.
 *
 * Assumption: every write of a cart goes through a `redisCartStore` on the same Redis and prefix.
 * A write made straight to the durable store (another program, a migration, a transaction that
 * uses the durable store directly) is not seen by `get` until the copy is refreshed: by
 * {@link RedisCartStore.refresh}, by a `save` from the old version (its `ConflictError` refreshes),
 * or when the copy's TTL ends. No update is lost either way: every save is a compare-and-set in
 * the durable store.
 */
export interface RedisCartStore extends CartStore {
  /** The Redis key of a cart, `<prefix>:cart:{<cartId>}`: the id is the Cluster hash tag. */
  keyOf(cartId: string): string
  /**
   * Drops the cart's Redis copy, reads the durable store and copies the cart in (or tombstones it
   * when it is gone); returns the durable cart. Call it after writing a cart without this store.
   * Redis failures are logged and remembered; durable failures throw.
   */
  refresh(cartId: string): Promise<CartRecord | null>
  /** Carts whose Redis write failed and whose old copy is not fenced yet (0 when Redis is healthy). */
  pendingRepairs(): number
  readonly prefix: string
}

const cartStoreMethods = [
  'get',
  'insert',
  'save',
  'delete',
  'findOpenForCustomer',
  'listAbandoned',
  'claimAbandoned',
  'deleteExpired',
] as const

const optionsSchema = z.strictObject({
  redis: z.custom<RedisClient>(isRedisClient, {
    message: 'redis must be an ioredis Redis or Cluster client',
  }),
  durable: z.custom<CartStore>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      cartStoreMethods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    { message: `durable must be a CartStore (${cartStoreMethods.join(', ')})` },
  ),
  prefix: keyPrefixSchema.default(DEFAULT_KEY_PREFIX),
  ttlMs: z
    .number()
    .int()
    .min(1000)
    .max(365 * 24 * 60 * 60 * 1000)
    .default(DEFAULT_CART_CACHE_TTL_MS),
  timeoutMs: z.number().int().min(1).max(60_000).default(DEFAULT_CART_STORE_TIMEOUT_MS),
  waitForReplicas: waitForReplicasSchema,
  clock: z
    .custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', {
      message: 'clock must have now()',
    })
    .optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        typeof (v as Logger | undefined)?.warn === 'function' && typeof (v as Logger).error === 'function',
      { message: 'logger needs warn() and error()' },
    )
    .optional(),
})

interface CartCommands {
  soukCartGet(key: string, now: number, token: string, leaseTtlMs: number): Promise<string[]>
  soukCartLease(key: string, token: string, leaseTtlMs: number, staleVersion: number | ''): Promise<number>
  soukCartWrite(
    key: string,
    token: string,
    version: number,
    ttlMs: number,
    json: string,
    expiresAt: number,
  ): Promise<number>
}

/** The writing scripts queued on a pipeline, to send them followed by `WAIT`. */
interface CartPipeline extends ChainableCommander {
  soukCartLease(key: string, token: string, leaseTtlMs: number, staleVersion: number | ''): CartPipeline
  soukCartWrite(
    key: string,
    token: string,
    version: number,
    ttlMs: number,
    json: string,
    expiresAt: number,
  ): CartPipeline
}

const TIMED_OUT: unique symbol = Symbol('timed out')
const FAILED: unique symbol = Symbol('failed')

/** Settles with `promise`, or with TIMED_OUT after `ms`; a late rejection is already handled by the race. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Builds the write-through cart store. See {@link RedisCartStore} for what goes where and what
 * fails how, cart-scripts.ts for the two rules that keep Redis from moving backwards, and the
 * README for the reasoning.
 */
export function redisCartStore(options: RedisCartStoreOptions): RedisCartStore {
  const config = parseConfig(optionsSchema, options, 'redisCartStore options')
  const { redis, durable, prefix, ttlMs, timeoutMs, waitForReplicas } = config
  const clock = config.clock ?? systemClock
  const logger = config.logger ?? consoleLogger('warn')
  redis.defineCommand('soukCartGet', { numberOfKeys: 1, lua: GET_CART_LUA })
  redis.defineCommand('soukCartLease', { numberOfKeys: 1, lua: LEASE_CART_LUA })
  redis.defineCommand('soukCartWrite', { numberOfKeys: 1, lua: WRITE_CART_LUA })
  const commands = redis as RedisClient & CartCommands
  const keyOf = (cartId: string) => `${prefix}:cart:${hashTag(cartId)}`
  const cacheable = (cartId: string) => CACHEABLE_ID.test(cartId)
  const newToken = () => randomBytes(12).toString('base64url')

  const acknowledged = { replicas: waitForReplicas, timeoutMs }

  /** soukCartWrite, acknowledged by `waitForReplicas` replicas. */
  function scriptWrite(...args: Parameters<CartCommands['soukCartWrite']>): Promise<number> {
    return sendReplicated(
      redis,
      { operation: 'cart write', ...acknowledged },
      () => commands.soukCartWrite(...args),
      (p) => (p as CartPipeline).soukCartWrite(...args),
    )
  }

  /** soukCartLease, acknowledged by `waitForReplicas` replicas (it drops the copy's data). */
  function scriptLease(...args: Parameters<CartCommands['soukCartLease']>): Promise<number> {
    return sendReplicated(
      redis,
      { operation: 'cart lease', ...acknowledged },
      () => commands.soukCartLease(...args),
      (p) => (p as CartPipeline).soukCartLease(...args),
    )
  }

  /**
   * Cart id -> the version its Redis entry must be fenced at (TOMBSTONE_VERSION after a delete):
   * writes whose Redis update failed, so an older copy may still sit in Redis. This process reads
   * these carts through `refresh` until the fence lands.
   */
  const repairs = new Map<string, number>()
  let draining = false

  /** One Redis call within `timeoutMs`; a failure or timeout is logged and answered as FAILED. */
  async function attempt<T>(
    operation: string,
    cartId: string,
    run: () => Promise<T>,
  ): Promise<T | typeof FAILED> {
    let outcome: T | typeof TIMED_OUT
    try {
      outcome = await bounded(run(), timeoutMs)
    } catch (error) {
      logger.warn(`souk cart store: Redis ${operation} failed`, { cartId, error: describeError(error) })
      return FAILED
    }
    if (outcome === TIMED_OUT) {
      logger.warn(`souk cart store: Redis ${operation} timed out`, { cartId, timeoutMs })
      return FAILED
    }
    return outcome
  }

  function remember(cartId: string, version: number): void {
    const pending = repairs.get(cartId)
    if (pending === undefined && repairs.size >= MAX_PENDING_CART_REPAIRS) {
      logger.error(
        'souk cart store: too many pending Redis repairs; a stale copy may be served until its TTL',
        {
          cartId,
          limit: MAX_PENDING_CART_REPAIRS,
        },
      )
      return
    }
    repairs.set(cartId, Math.max(pending ?? 0, version))
  }

  function repaired(cartId: string, version: number): void {
    const pending = repairs.get(cartId)
    if (pending !== undefined && pending <= version) repairs.delete(cartId)
  }

  /**
   * Writes the cart into Redis: the data, or only a fence at its version when the cart has expired
   * (a copy must not outlive its cart) or has been checked out. Checkout sets `orderId`, and its
   * compensation clears it again, inside Postgres transactions that do not pass through this
   * store; a cached checked-out copy could then hide a reopened cart (the cart service refuses
   * edits of a checked-out cart before it ever saves, so no conflict would refresh it). Such carts
   * are read-only and rarely read, so they are read from the durable store. `token` is the read
   * lease of a read-through, '' for a write-through. Resolves FAILED when Redis did not answer in
   * time, else whether it was written.
   */
  function writeCart(cart: CartRecord, token: string, operation: string): Promise<number | typeof FAILED> {
    const lifeMs = Math.min(ttlMs, cart.expiresAt.getTime() - clock.now().getTime())
    return attempt(operation, cart.id, () =>
      lifeMs > 0 && cart.orderId === null
        ? scriptWrite(keyOf(cart.id), token, cart.version, lifeMs, encodeCart(cart), cart.expiresAt.getTime())
        : scriptWrite(keyOf(cart.id), token, cart.version, CART_FENCE_TTL_MS, '', 0),
    )
  }

  /** Writes a fence: a version without data, so older copies can neither be served nor come back. */
  function writeFence(cartId: string, version: number, operation: string): Promise<number | typeof FAILED> {
    return attempt(operation, cartId, () => scriptWrite(keyOf(cartId), '', version, CART_FENCE_TTL_MS, '', 0))
  }

  /** After a durable write: `version` must reach Redis, or be remembered until a fence at it does. */
  async function settle(cartId: string, version: number, outcome: number | typeof FAILED): Promise<void> {
    if (outcome === FAILED) {
      remember(cartId, version)
      return
    }
    repaired(cartId, version)
    await drainRepairs()
  }

  /**
   * Fences the carts whose write-through failed, now that Redis answered. One batch per call and
   * one drain at a time, so a recovering Redis costs one extra round trip, not a stampede.
   */
  async function drainRepairs(): Promise<void> {
    if (repairs.size === 0 || draining) return
    draining = true
    try {
      const batch = [...repairs].slice(0, REPAIR_BATCH)
      await Promise.all(
        batch.map(async ([cartId, version]) => {
          if ((await writeFence(cartId, version, 'repair')) !== FAILED) repaired(cartId, version)
        }),
      )
    } finally {
      draining = false
    }
  }

  /**
   * Takes the lease (dropping the copy Redis holds, unless it is newer than `staleVersion`), reads
   * the durable store, copies the cart in under the lease, or tombstones it when it is gone.
   * Resolves the durable cart, or undefined when a newer copy was already in place.
   */
  async function reload(cartId: string, staleVersion: number | ''): Promise<CartRecord | null | undefined> {
    const token = newToken()
    const leased = await attempt('refresh', cartId, () =>
      scriptLease(keyOf(cartId), token, LEASE_TTL_MS, staleVersion),
    )
    if (leased === 2) return undefined
    const cart = await durable.get(cartId)
    if (!cart) {
      await settle(cartId, TOMBSTONE_VERSION, await writeFence(cartId, TOMBSTONE_VERSION, 'refresh'))
      return null
    }
    if (leased === FAILED) remember(cartId, cart.version)
    // 0: a tombstone, yet the durable store has the cart (an id used again): serve it uncached.
    else if (leased === 1) await settle(cartId, cart.version, await writeCart(cart, token, 'refresh'))
    return cart
  }

  async function refresh(cartId: string): Promise<CartRecord | null> {
    if (!cacheable(cartId)) return durable.get(cartId)
    return (await reload(cartId, '')) ?? null
  }

  // An edit reads the durable store, not Redis: it needs the catalog and stock anyway, which the
  // durable store reads with the cart in the same statement, and a cart read there is never stale.
  // So an edit costs the durable store's read and compare-and-set plus one Redis write: serving
  // the cart from Redis as well would add a Redis round trip and save no database statement.
  const readForEdit = durable.readForEdit?.bind(durable)

  return {
    prefix,
    keyOf,
    refresh,
    pendingRepairs: () => repairs.size,

    async get(id) {
      if (!cacheable(id)) return durable.get(id)
      if (repairs.has(id)) return refresh(id)
      const token = newToken()
      const reply = await attempt('get', id, () =>
        commands.soukCartGet(keyOf(id), clock.now().getTime(), token, LEASE_TTL_MS),
      )
      if (reply === FAILED) return durable.get(id)
      await drainRepairs()
      const [outcome, version, json] = reply
      if (outcome === 'hit' && json !== undefined) {
        const cart = decodeCart(json)
        if (cart && cart.version === Number(version)) return cart
        // Not written by this code (another version of Souk?): the next write replaces it.
        logger.warn('souk cart store: unreadable Redis entry, read from the durable store', { cartId: id })
        return durable.get(id)
      }
      // A tombstone (ids are not reused: the durable store will say null), or no usable copy
      // while another reader is copying the cart in: read the durable store, write nothing.
      if (outcome !== 'lease') return durable.get(id)
      const cart = await durable.get(id)
      // A failed read-through leaves nothing servable behind (no copy, or a fenced one), so it
      // needs no repair. Without a cart the lease simply runs out.
      if (cart) await writeCart(cart, token, 'read-through')
      return cart
    },

    async insert(cart) {
      await durable.insert(cart)
      if (cacheable(cart.id)) await settle(cart.id, cart.version, await writeCart(cart, '', 'insert'))
    },

    async save(input) {
      const { cart, expectedVersion } = input
      let saved: CartRecord
      try {
        saved = await durable.save(input)
      } catch (error) {
        if (
          cacheable(cart.id) &&
          (isCommerceError(error, 'conflict') || isCommerceError(error, 'not_found'))
        ) {
          // The caller saved from a version that is not the durable one, and may have read it
          // from Redis (the cart was written past this store): unless Redis already holds a newer
          // cart, bring it up to the durable store before the caller reads again. A failure here
          // must not hide the conflict.
          const stale = isCommerceError(error, 'conflict') ? expectedVersion : ''
          await reload(cart.id, stale).catch((refreshError: unknown) =>
            logger.warn('souk cart store: refresh after a failed save failed', {
              cartId: cart.id,
              error: describeError(refreshError),
            }),
          )
        }
        throw error
      }
      if (cacheable(saved.id)) await settle(saved.id, saved.version, await writeCart(saved, '', 'save'))
      return saved
    },

    async delete(id) {
      await durable.delete(id)
      if (cacheable(id))
        await settle(id, TOMBSTONE_VERSION, await writeFence(id, TOMBSTONE_VERSION, 'delete'))
    },

    ...(readForEdit ? { readForEdit } : {}),

    findOpenForCustomer: (customerId) => durable.findOpenForCustomer(customerId),
    listAbandoned: (query) => durable.listAbandoned(query),
    claimAbandoned: (input) => durable.claimAbandoned(input),
    deleteExpired: (input) => durable.deleteExpired(input),
  }
}
