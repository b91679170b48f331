import { randomBytes } from 'node:crypto'
import {
  type Commerce,
  type CommerceEventType,
  type CursorPage,
  createIdGenerator,
  type DeliveredEvent,
  type DurableSubscriber,
  type IdGenerator,
  idPattern,
  type Logger,
  NotFoundError,
  parseInput,
  SOUK_SIGNATURE_HEADER,
  signWebhook,
} from '@souk/core'
import type { Kysely } from 'kysely'
import { type StoredWebhookEndpoint, webhookEndpointStore } from './webhook-endpoint-store.js'
import {
  createWebhookEndpointSchema,
  webhookDeadLetterQuerySchema,
  webhookReplaySchema,
  webhookSecretRotationSchema,
} from './webhook-schemas.js'
import { sendWebhook, WebhookDeliveryError } from './webhook-sender.js'
import type { WebhookUrlPolicy } from './webhook-url-policy.js'

/** How the storefront delivers webhooks (WEBHOOK_* variables, see docs/webhooks.md). */
export interface WebhookSettings extends WebhookUrlPolicy {
  /** Longest wait for a receiver's answer, in ms. Default 10 000. */
  readonly timeoutMs?: number
  /** Failed deliveries of one event before it is dead-lettered. Default 12 (about 18 minutes). */
  readonly maxAttempts?: number
  /** Most endpoints the registry holds. Default 16. */
  readonly maxEndpoints?: number
  /**
   * How often the process matches its subscribers to the table, in ms, so endpoints created or
   * deleted through another process are picked up. Default 30 000; 0 turns it off.
   */
  readonly reconcileIntervalMs?: number
}

/** An endpoint as the admin API shows it: never its secret, which is shown once. */
export interface WebhookEndpoint {
  readonly id: string
  readonly url: string
  readonly events: '*' | readonly string[]
  readonly description: string | null
  /** The durable subscriber that delivers to it: `webhook.<id in lower case>`. */
  readonly subscriber: string
  readonly createdAt: Date
  /** While a rotated-out secret still signs deliveries, until when; else null. */
  readonly previousSecretExpiresAt: Date | null
}

/** An endpoint with its signing secret, answered once: at creation and at rotation. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  readonly secret: string
}

/** A delivery given up on, with the event as it would have been sent. */
export interface WebhookDeadLetter {
  readonly eventId: string
  readonly type: string
  readonly aggregateId: string
  readonly attempts: number
  readonly lastError: string | null
  readonly deadAt: Date
  readonly replayRequestedAt: Date | null
  readonly event: unknown
}

/** The endpoint registry and its deliveries. Inputs are validated here (`ValidationError`). */
export interface OutgoingWebhooks {
  create(input: unknown): Promise<WebhookEndpointWithSecret>
  list(): Promise<WebhookEndpoint[]>
  get(id: string): Promise<WebhookEndpoint>
  /** Stops its deliveries and forgets it: its subscriber's cursors and dead letters go too. */
  delete(id: string): Promise<void>
  /** Its dead letters, a page at a time: `{ cursor?, limit? }` (default 50, at most 100). */
  deadLetters(id: string, query: unknown): Promise<CursorPage<WebhookDeadLetter>>
  /** Delivers dead letters again on the relay's next round. */
  replay(id: string, input: unknown): Promise<{ requested: number }>
  /** A new secret; the old one keeps signing beside it for `expiresInSeconds` (default a day). */
  rotateSecret(id: string, input: unknown): Promise<WebhookEndpointWithSecret>
  /** Adds and removes this process's subscribers to match the table. Runs on a timer too. */
  reconcile(): Promise<void>
  /** Stops the timer and aborts deliveries in flight (they are retried by the next process). */
  stop(): Promise<void>
}

export interface OutgoingWebhooksDeps {
  readonly commerce: Commerce
  /** The storefront's database: the registry's table is created in `schema`, beside Souk's. */
  // biome-ignore lint/suspicious/noExplicitAny: raw SQL only
  readonly storage: { readonly db: Kysely<any>; readonly schema: string }
  readonly settings: WebhookSettings
  readonly logger: Logger
  /** Default: ULIDs. */
  readonly ids?: IdGenerator
  /** Default: the system clock. */
  readonly now?: () => Date
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 12
const DEFAULT_MAX_ENDPOINTS = 16
const DEFAULT_ROTATION_SECONDS = 86_400

/** Request headers beside the signature. Only the signature is authenticated: the rest are hints. */
export const WEBHOOK_HEADERS = {
  eventId: 'souk-event-id',
  eventType: 'souk-event-type',
  endpointId: 'souk-webhook-id',
  attempt: 'souk-delivery-attempt',
} as const

const ENDPOINT_ID = idPattern('whe')

/** Durable subscriber names are lower case; a ULID reads the same in either case. */
export const webhookSubscriberName = (endpointId: string) => `webhook.${endpointId.toLowerCase()}`

/**
 * Creates the registry's table if needed, adds a durable subscriber for every stored endpoint (so
 * events committed while the process was down are delivered now), and returns the registry.
 * Call it after `commerce.migrate()`: subscribers are registered in Souk's schema.
 */
export async function startOutgoingWebhooks(deps: OutgoingWebhooksDeps): Promise<OutgoingWebhooks> {
  const { commerce, settings, logger } = deps
  const store = webhookEndpointStore(deps.storage.db, deps.storage.schema)
  const ids = deps.ids ?? createIdGenerator()
  const now = deps.now ?? (() => new Date())
  const timeoutMs = settings.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS
  const maxAttempts = settings.maxAttempts ?? DEFAULT_WEBHOOK_MAX_ATTEMPTS
  const maxEndpoints = settings.maxEndpoints ?? DEFAULT_MAX_ENDPOINTS
  const createSchema = createWebhookEndpointSchema(settings)
  const stopping = new AbortController()
  /** Subscribers this process added; a delivery to one deleted meanwhile is dropped. */
  const active = new Set<string>()

  // create, delete and reconcile each read and then change both the table and the relay: one at a
  // time, or a reconcile could add the subscriber a create is about to add.
  let queue: Promise<unknown> = Promise.resolve()
  const serialized = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run)
    queue = result.catch(() => undefined)
    return result
  }

  function subscriberFor(endpoint: StoredWebhookEndpoint): DurableSubscriber {
    const name = webhookSubscriberName(endpoint.id)
    return {
      name,
      events: endpoint.events === '*' ? '*' : (endpoint.events as CommerceEventType[]),
      maxAttempts,
      async handle(event: DeliveredEvent) {
        if (!active.has(name)) return
        // Read per delivery: a rotated secret or a deletion in another process applies at once.
        const current = await store.get(endpoint.id)
        if (!current) return
        if (stopping.signal.aborted) throw new WebhookDeliveryError('stopped: the server is shutting down')
        // The envelope without `delivery`: every attempt sends the same bytes.
        const body = JSON.stringify({
          id: event.id,
          type: event.type,
          aggregateId: event.aggregateId,
          schemaVersion: event.schemaVersion,
          occurredAt: event.occurredAt,
          data: event.data,
        })
        const at = now()
        const secrets = [current.secret]
        if (current.previousSecret && current.previousSecretExpiresAt && current.previousSecretExpiresAt > at)
          secrets.push(current.previousSecret)
        await sendWebhook({
          url: current.url,
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Souk-Webhooks/1 (example storefront)',
            [SOUK_SIGNATURE_HEADER]: signWebhook({ secret: secrets, timestamp: at, body }),
            [WEBHOOK_HEADERS.eventId]: event.id,
            [WEBHOOK_HEADERS.eventType]: event.type,
            [WEBHOOK_HEADERS.endpointId]: current.id,
            [WEBHOOK_HEADERS.attempt]: String(event.delivery.attempt),
          },
          timeoutMs,
          policy: settings,
          signal: stopping.signal,
        })
      },
    }
  }

  async function stored(id: string): Promise<StoredWebhookEndpoint> {
    const endpoint = ENDPOINT_ID.test(id) ? await store.get(id) : null
    if (!endpoint) throw new NotFoundError('webhook endpoint', ENDPOINT_ID.test(id) ? id : '(malformed id)')
    return endpoint
  }

  async function reconcile(): Promise<void> {
    const endpoints = await store.list()
    const wanted = new Set(endpoints.map((e) => webhookSubscriberName(e.id)))
    for (const endpoint of endpoints) {
      const name = webhookSubscriberName(endpoint.id)
      if (active.has(name)) continue
      try {
        await commerce.subscribers.add(subscriberFor(endpoint))
        active.add(name)
      } catch (error) {
        logger.error('webhook endpoint could not be subscribed; it receives nothing', {
          endpointId: endpoint.id,
          error: error instanceof Error ? error.message : String(error),
        })
      }
    }
    for (const name of [...active]) {
      if (wanted.has(name)) continue
      active.delete(name)
      await commerce.subscribers.remove({ name })
    }
  }

  await store.ensureTable()
  await serialized(reconcile)
  const interval = settings.reconcileIntervalMs ?? 30_000
  const timer =
    interval > 0
      ? setInterval(() => {
          serialized(reconcile).catch((error: unknown) =>
            logger.warn('webhook endpoints could not be reconciled; retrying on the next tick', {
              error: error instanceof Error ? error.message : String(error),
            }),
          )
        }, interval)
      : null
  timer?.unref()

  return {
    create: (input) =>
      serialized(async () => {
        const { url, events, description } = parseInput(createSchema, input, 'webhook endpoint')
        const endpoint: StoredWebhookEndpoint = {
          id: ids('whe'),
          url: new URL(url).href,
          events,
          description: description ?? null,
          secret: newSecret(),
          previousSecret: null,
          previousSecretExpiresAt: null,
          createdAt: now(),
        }
        await store.insert(endpoint, maxEndpoints)
        try {
          // From now: an endpoint receives the events committed after it was created.
          await commerce.subscribers.add(subscriberFor(endpoint))
        } catch (error) {
          await store.delete(endpoint.id)
          throw error
        }
        active.add(webhookSubscriberName(endpoint.id))
        return { ...shown(endpoint), secret: endpoint.secret }
      }),

    list: async () => (await store.list()).map(shown),

    get: async (id) => shown(await stored(id)),

    delete: (id) =>
      serialized(async () => {
        const endpoint = await stored(id)
        const name = webhookSubscriberName(endpoint.id)
        // Dropped here first, so a round in flight sends nothing more; then the cursors (no
        // process leases it again), then the row (other processes drop it on reconcile).
        active.delete(name)
        await commerce.subscribers.remove({ name })
        await store.delete(endpoint.id)
      }),

    async deadLetters(id, query) {
      const { cursor, limit } = parseInput(webhookDeadLetterQuerySchema, query, 'dead letter query')
      const endpoint = await stored(id)
      const page = await commerce.subscribers.deadLetters({
        subscriber: webhookSubscriberName(endpoint.id),
        cursor,
        limit,
      })
      return {
        items: page.items.map((d) => ({
          eventId: d.eventId,
          type: d.type,
          aggregateId: d.aggregateId,
          attempts: d.attempts,
          lastError: d.lastError,
          deadAt: d.deadAt,
          replayRequestedAt: d.replayRequestedAt,
          event: d.payload,
        })),
        nextCursor: page.nextCursor,
      }
    },

    async replay(id, input) {
      const { eventIds } = parseInput(webhookReplaySchema, input, 'replay request')
      const endpoint = await stored(id)
      return commerce.subscribers.replay({
        subscriber: webhookSubscriberName(endpoint.id),
        ...(eventIds === undefined ? {} : { eventIds }),
      })
    },

    async rotateSecret(id, input) {
      const { expiresInSeconds = DEFAULT_ROTATION_SECONDS } = parseInput(
        webhookSecretRotationSchema,
        input,
        'secret rotation',
      )
      const endpoint = await stored(id)
      const expiresAt = expiresInSeconds === 0 ? null : new Date(now().getTime() + expiresInSeconds * 1000)
      const rotated = await store.rotateSecret(endpoint.id, newSecret(), expiresAt)
      if (!rotated) throw new NotFoundError('webhook endpoint', endpoint.id)
      return { ...shown(rotated), secret: rotated.secret }
    },

    reconcile: () => serialized(reconcile),

    async stop() {
      if (timer) clearInterval(timer)
      stopping.abort()
      await queue
    },
  }
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

function shown(endpoint: StoredWebhookEndpoint): WebhookEndpoint {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    subscriber: webhookSubscriberName(endpoint.id),
    createdAt: endpoint.createdAt,
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt && endpoint.previousSecret ? endpoint.previousSecretExpiresAt : null,
  }
}
