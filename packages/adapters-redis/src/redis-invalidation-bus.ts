import { randomBytes } from 'node:crypto'
import {
  consoleLogger,
  type InvalidationBus,
  type InvalidationListener,
  type InvalidationSubscription,
  type Logger,
  type PublishOptions,
  parseConfig,
  parseInput,
} from '@souk/core'
import type { Cluster, Redis } from 'ioredis'
import { z } from 'zod'
import { withRedisErrors } from './map-redis-error.js'
import { isRedisClient, type RedisClient } from './redis-client.js'
import { DEFAULT_KEY_PREFIX, keyPrefixSchema } from './redis-keys.js'

export interface RedisInvalidationBusOptions {
  /**
   * An ioredis `Redis` or `Cluster` client that you own: the bus publishes through it, and opens
   * one connection of its own for SUBSCRIBE with `redis.duplicate()` (a connection in subscriber
   * mode can send nothing else), which `close()` closes.
   */
  readonly redis: RedisClient
  /** The channel is `{<prefix>:cache:invalidations}`; give it the cache's prefix. Default `'souk'`. */
  readonly prefix?: string
  /**
   * Budget of `publish` in ms: for Redis to take the message (while Redis is unreachable ioredis
   * would hold the command through its reconnect attempts), then for the receivers to confirm it.
   * Default 1000.
   */
  readonly timeoutMs?: number
  /** Where subscription losses, late confirmations and unreadable messages go. Default: console, `warn`. */
  readonly logger?: Logger
}

/** Default budget of `publish`: 1 second. */
export const DEFAULT_INVALIDATION_PUBLISH_TIMEOUT_MS = 1000

/** core's `InvalidationBus` on Redis pub/sub. */
export interface RedisInvalidationBus extends InvalidationBus {
  /** The pub/sub channel every process of the deployment shares. */
  readonly channel: string
}

const optionsSchema = z.strictObject({
  redis: z.custom<RedisClient>(isRedisClient, {
    message: 'redis must be an ioredis Redis or Cluster client',
  }),
  prefix: keyPrefixSchema.default(DEFAULT_KEY_PREFIX),
  timeoutMs: z.number().int().min(1).max(60_000).default(DEFAULT_INVALIDATION_PUBLISH_TIMEOUT_MS),
  logger: z
    .custom<Logger>((v) => typeof (v as Logger | undefined)?.warn === 'function', {
      message: 'logger needs warn()',
    })
    .optional(),
})

const keysSchema = z.array(z.string().min(1, 'an invalidated key must not be empty'))
const publishOptionsSchema = z.strictObject({ wait: z.enum(['applied', 'sent']).default('applied') })

/**
 * What travels on the channel: the publishing bus, its message number, the keys, and whether the
 * publisher waits for confirmations (then each receiver answers on the publisher's own channel).
 */
const messageSchema = z.object({
  o: z.string(),
  n: z.number().int(),
  k: keysSchema,
  c: z.boolean().optional(),
})

interface Member {
  readonly listener: InvalidationListener
  live: boolean
}

/** A publication of this bus waiting for its receivers: `needed` is known once Redis answered. */
interface Pending {
  heard: number
  needed: number | null
  settle(): void
}

/**
 * core's `InvalidationBus` on Redis pub/sub, for `createTieredCache`. Each bus tags its messages
 * with a random id and ignores its own.
 *
 * `publish` (with the default `wait: 'applied'`) returns only once every receiver has applied the
 * message: `PUBLISH` answers how many subscriber connections received it, each receiver answers on
 * the publisher's own confirmation channel after its listeners ran, and the publisher counts its
 * own copy and those answers. Without that wait a write could return while another process has
 * not read the message off its socket yet (Redis answers the publisher before it writes to the
 * subscribers, and a busy machine may pause it in between), and serve the old value a moment
 * longer. A receiver that does not answer within `timeoutMs` is logged, not waited for. Do not
 * subscribe other clients to the channel: they count as receivers that never answer.
 *
 * Pub/sub keeps nothing: a subscriber that is disconnected misses what is published meanwhile. The
 * bus therefore reports its subscription not live from the moment the connection closes until
 * SUBSCRIBE is confirmed on a new one (ioredis reconnects with its retry strategy), and the tiered
 * cache empties and bypasses its local tier in between. A Redis that vanishes costs speed, never a
 * crash or a stale read: `publish` throws `StorageError` and every listener is told `live(false)`.
 *
 * On a Redis Cluster it uses sharded pub/sub (`SPUBLISH` / `SSUBSCRIBE`, Redis 7): the channels
 * share one hash tag, so they live on the master that owns its slot, where every bus subscribes. A
 * node leaving the cluster counts as a drop until `SSUBSCRIBE` is confirmed again.
 */
export function redisInvalidationBus(options: RedisInvalidationBusOptions): RedisInvalidationBus {
  const config = parseConfig(optionsSchema, options, 'redisInvalidationBus options')
  const { redis, prefix, timeoutMs } = config
  const logger = config.logger ?? consoleLogger('warn')
  const channel = `{${prefix}:cache:invalidations}`
  const origin = randomBytes(9).toString('base64url')
  const confirmations = (of: string) => `${channel}:confirm:${of}`
  const ownConfirmations = confirmations(origin)
  const sharded = redis.isCluster
  const members = new Set<Member>()
  let subscriber: Redis | Cluster | null = null
  /** True between a confirmed SUBSCRIBE and the connection's next close. */
  let connectionLive = false
  /** Bumped on every close, so a SUBSCRIBE confirmed for an older connection counts for nothing. */
  let attempt = 0
  let closed = false
  let sent = 0
  const pending = new Map<number, Pending>()
  /** Resolves the first time the subscription is live: confirmations are heard on it. */
  let markFirstLive: () => void = () => undefined
  const firstLive = new Promise<void>((resolve) => {
    markFirstLive = resolve
  })

  const send = (to: string, payload: string) =>
    sharded ? (redis as Cluster).spublish(to, payload) : redis.publish(to, payload)

  function setLive(member: Member, live: boolean): void {
    if (member.live === live) return
    member.live = live
    member.listener.live(live)
  }

  function subscribe(): void {
    if (!subscriber || closed) return
    const mine = ++attempt
    const confirmed = sharded
      ? (subscriber as Cluster).ssubscribe(channel, ownConfirmations)
      : subscriber.subscribe(channel, ownConfirmations)
    confirmed.then(
      () => {
        if (closed || mine !== attempt || connectionLive) return
        connectionLive = true
        markFirstLive()
        logger.info('invalidation bus subscribed', { channel })
        for (const member of members) setLive(member, true)
      },
      (error: unknown) => {
        // Stays not live; the next 'ready' tries again.
        logger.warn('invalidation bus could not subscribe', { channel, error: String(error) })
      },
    )
  }

  function heard(n: number): void {
    const waiting = pending.get(n)
    if (!waiting) return
    waiting.heard++
    if (waiting.needed !== null && waiting.heard >= waiting.needed) waiting.settle()
  }

  function onMessage(from: string, payload: string): void {
    if (from === ownConfirmations) {
      heard(Number(payload))
      return
    }
    if (from !== channel) return
    let parsed: z.infer<typeof messageSchema>
    try {
      parsed = messageSchema.parse(JSON.parse(payload))
    } catch (error) {
      logger.warn('invalidation bus: unreadable message ignored', { channel, error: String(error) })
      return
    }
    if (parsed.o === origin) {
      heard(parsed.n)
      return
    }
    if (parsed.k.length > 0) {
      for (const member of members) if (member.live) member.listener.invalidated(parsed.k)
    }
    if (parsed.c) {
      send(confirmations(parsed.o), String(parsed.n)).catch((error: unknown) =>
        logger.warn('invalidation bus: could not confirm a message', { channel, error: String(error) }),
      )
    }
  }

  function onClose(): void {
    attempt++
    // Confirmations sent to a closed connection are lost: stop waiting for them.
    for (const waiting of pending.values()) waiting.settle()
    if (!connectionLive) return
    connectionLive = false
    logger.warn('invalidation bus lost its subscription; reconnecting', { channel })
    for (const member of members) setLive(member, false)
  }

  function open(): Redis | Cluster {
    // A Cluster's duplicate keeps its nodes and options; a Redis's its connection options.
    const duplicate: Redis | Cluster = sharded
      ? (redis as Cluster).duplicate(undefined, { shardedSubscribers: true })
      : (redis as Redis).duplicate()
    duplicate.on(sharded ? 'smessage' : 'message', onMessage)
    duplicate.on('close', onClose)
    duplicate.on('end', onClose)
    // Without a listener every failed reconnect would print an "Unhandled error event".
    duplicate.on('error', () => undefined)
    duplicate.on('ready', subscribe)
    if (sharded) {
      // ioredis moves a sharded subscription to the slot's new master by itself when a node goes
      // away; what was published in between is lost, so count it as a drop and confirm anew.
      for (const event of ['-node', '-subscriber']) {
        duplicate.on(event, () => {
          onClose()
          subscribe()
        })
      }
    }
    return duplicate
  }

  /** Opens the subscriber connection once: for subscriptions, and to hear confirmations. */
  function ensureSubscriber(): void {
    if (subscriber || closed) return
    subscriber = open()
    // A lazy client connects on its first command; a connected one may never emit 'ready' again.
    subscribe()
  }

  /** Resolves with `promise`'s value, or with 'late' once `ms` have passed. */
  function bounded<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ms)
    })
    return Promise.race([promise, late]).finally(() => clearTimeout(timer))
  }

  return {
    channel,

    async publish(keys, publishOptions?: PublishOptions) {
      const list = parseInput(keysSchema, keys, 'invalidated keys')
      const { wait } = parseInput(publishOptionsSchema, publishOptions ?? {}, 'publish options')
      if (list.length === 0) return
      const started = Date.now()
      if (wait === 'applied' && !subscriber) {
        // The first publication of a bus that subscribed to nothing: it needs its own connection
        // to hear confirmations on.
        ensureSubscriber()
        await bounded(firstLive, timeoutMs)
      }
      const n = ++sent
      // Over a connection that is down no confirmation can be heard; receivers still get it.
      const confirm = wait === 'applied' && connectionLive
      const waiting: Pending = { heard: 0, needed: null, settle: () => undefined }
      const settled = new Promise<void>((resolve) => {
        waiting.settle = resolve
      })
      if (confirm) pending.set(n, waiting)
      try {
        const receivers = await withRedisErrors('invalidation publish', async () => {
          const answer = await bounded(
            send(channel, JSON.stringify({ o: origin, n, k: list, c: confirm })),
            timeoutMs,
          )
          if (answer === 'late') throw new Error(`no answer within ${timeoutMs} ms`)
          return Number(answer)
        })
        if (!confirm) return
        // PUBLISH counts every subscriber connection that received it, this bus's own included.
        waiting.needed = receivers
        if (waiting.heard >= receivers) return
        const left = Math.max(1, timeoutMs - (Date.now() - started))
        if ((await bounded(settled, left)) === 'late' && waiting.heard < receivers) {
          logger.warn('invalidation bus: not every receiver confirmed in time', {
            channel,
            receivers,
            confirmed: waiting.heard,
            timeoutMs,
          })
        }
      } finally {
        pending.delete(n)
      }
    },

    subscribe(listener): InvalidationSubscription {
      const member: Member = { listener, live: false }
      if (!closed) {
        members.add(member)
        if (!subscriber) ensureSubscriber()
        else if (connectionLive) {
          queueMicrotask(() => {
            if (members.has(member) && connectionLive) setLive(member, true)
          })
        }
      }
      return {
        get live() {
          return member.live
        },
        async close() {
          members.delete(member)
          member.live = false
        },
      }
    },

    async close() {
      closed = true
      connectionLive = false
      for (const member of members) member.live = false
      members.clear()
      const s = subscriber
      subscriber = null
      // disconnect, not quit: quit would wait for a Redis that may be gone.
      s?.disconnect()
    },
  }
}
