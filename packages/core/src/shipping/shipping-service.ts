import { z } from 'zod'
import type { Clock } from '../clock/clock.js'
import { CommerceError } from '../errors/commerce-error.js'
import { NotFoundError } from '../errors/error-classes.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { type Logger, silentLogger } from '../logger/logger.js'
import { money } from '../money/money.js'
import { afterCursor, type CursorPage, toCursorPage } from '../pagination/cursor-page.js'
import type {
  ShippingRate,
  ShippingRateProvider,
  ShippingRateRequest,
} from '../ports/shipping-rate-provider.js'
import type { ShippingStore } from '../ports/shipping-store.js'
import { nonNegativeMoneySchema } from '../pricing/amount-schemas.js'
import { parseInput } from '../validation/parse-input.js'
import { addBusinessDays } from './business-days.js'
import { ShippingProviderError, ShippingUnavailableError } from './shipping-errors.js'
import {
  type CreateShippingMethodInput,
  type CreateShippingZoneInput,
  createShippingMethodSchema,
  createShippingZoneSchema,
  type ListShippingMethodsInput,
  type ListShippingZonesInput,
  listShippingMethodsSchema,
  listShippingZonesSchema,
  MAX_DELIVERY_DAYS,
  type ShippingMethodQuoteInput,
  type ShippingMethodRef,
  type ShippingQuoteInput,
  type ShippingZoneRef,
  shippingMethodQuoteSchema,
  shippingMethodRefSchema,
  shippingQuoteSchema,
  shippingZoneRefSchema,
  type UpdateShippingMethodInput,
  type UpdateShippingZoneInput,
  updateShippingMethodSchema,
  updateShippingZoneSchema,
} from './shipping-schemas.js'
import type { ShippingMethod, ShippingQuote, ShippingZone } from './shipping-types.js'

export interface ShippingServiceDeps {
  readonly store: ShippingStore
  /**
   * The rate sources `quote` asks, all at once. `createCommerce` passes `zoneRateProvider(store)`
   * followed by `config.shipping.providers`. Ids must be unique.
   */
  readonly providers: readonly ShippingRateProvider[]
  readonly clock: Clock
  readonly ids: IdGenerator
  /** Where failing providers are reported. Default: silent. */
  readonly logger?: Logger
}

/** `commerce.shipping`: zones, methods and quotes. Shipments are `commerce.shipments`. */
export interface ShippingService {
  /** Creates a zone: countries (or `'*'`) and optionally regions (`US-CA`). */
  createZone(input: CreateShippingZoneInput): Promise<ShippingZone>
  /** Throws `NotFoundError` for an unknown id. */
  getZone(input: ShippingZoneRef): Promise<ShippingZone>
  /** Zones by id, `limit` (default 50, at most 200) a page. */
  listZones(input?: ListShippingZonesInput): Promise<CursorPage<ShippingZone>>
  /**
   * Creates a method in a zone: `flat` (`price`), `free_over` (`price`, free from `threshold`) or
   * `weight_table` (`brackets`). Throws `NotFoundError` when the zone does not exist.
   */
  createMethod(input: CreateShippingMethodInput): Promise<ShippingMethod>
  /** Throws `NotFoundError` for an unknown id. */
  getMethod(input: ShippingMethodRef): Promise<ShippingMethod>
  /**
   * Changes a zone's name, countries or regions: the merged zone is validated like `createZone`
   * (a region needs its country listed). Throws `NotFoundError` for an unknown id. Quotes use the
   * new zone at once; orders already placed keep the shipping they were quoted.
   */
  updateZone(input: UpdateShippingZoneInput): Promise<ShippingZone>
  /**
   * Changes a method: any field of `createMethod`, validated on the merged method like
   * `createMethod`. A new `kind` needs its own price fields (`price`, `threshold`, `brackets`) and
   * drops the old ones. `active: false` retires it from quotes. Throws `NotFoundError` for an
   * unknown method, or zone when `zoneId` names one that does not exist. Concurrent updates of one
   * method: the last write wins as a whole.
   */
  updateMethod(input: UpdateShippingMethodInput): Promise<ShippingMethod>
  /**
   * Methods by id; only active ones unless `includeInactive`, of one zone when `zoneId` is given;
   * `limit` (default 50, at most 200) a page.
   */
  listMethods(input?: ListShippingMethodsInput): Promise<CursorPage<ShippingMethod>>
  /**
   * Every provider's rates for a parcel, cheapest first (then fastest), each with its estimated
   * delivery dates counted from the clock's today in business days. A provider that fails or
   * answers malformed rates is logged and left out; when every provider fails, the first failure
   * is thrown. No rate at all is an empty array.
   */
  quote(input: ShippingQuoteInput): Promise<ShippingQuote[]>
  /**
   * The quote of one method (e.g. the one the customer picked, re-priced at checkout). Throws
   * `ShippingUnavailableError` (code `shipping.method_unavailable`) when no provider offers it.
   */
  quoteMethod(input: ShippingMethodQuoteInput): Promise<ShippingQuote>
}

// What a provider must return; checked because carrier adapters are third-party code.
const providerRateSchema = z.strictObject({
  methodId: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  carrier: z.string().max(100).nullable(),
  price: nonNegativeMoneySchema,
  estimatedDays: z
    .strictObject({
      min: z.number().int().min(0).max(MAX_DELIVERY_DAYS),
      max: z.number().int().min(0).max(MAX_DELIVERY_DAYS),
    })
    .refine((days) => days.max >= days.min, 'max must not be below min'),
})

function compareQuotes(a: ShippingQuote, b: ShippingQuote): number {
  return (
    a.price.amount - b.price.amount ||
    a.estimatedDays.max - b.estimatedDays.max ||
    a.estimatedDays.min - b.estimatedDays.min ||
    (a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0) ||
    (a.methodId < b.methodId ? -1 : a.methodId > b.methodId ? 1 : 0)
  )
}

/** Patch fields the caller gave: `undefined` means "keep", not "clear". */
function defined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** A validated `createMethod` input as the method to store. */
function toMethod(id: string, parsed: z.output<typeof createShippingMethodSchema>): ShippingMethod {
  const base = {
    id,
    zoneId: parsed.zoneId,
    name: parsed.name,
    carrier: parsed.carrier,
    estimatedDays: parsed.estimatedDays,
    active: parsed.active,
  }
  const price = (m: { amount: number; currency: string }) => money(m.amount, m.currency)
  switch (parsed.kind) {
    case 'flat':
      return { ...base, kind: 'flat', currency: parsed.price.currency, price: price(parsed.price) }
    case 'free_over':
      return {
        ...base,
        kind: 'free_over',
        currency: parsed.price.currency,
        price: price(parsed.price),
        threshold: price(parsed.threshold),
      }
    case 'weight_table':
      return {
        ...base,
        kind: 'weight_table',
        currency: parsed.brackets[0]!.price.currency,
        brackets: parsed.brackets.map((b) => ({ upToGrams: b.upToGrams, price: price(b.price) })),
      }
    default:
      return parsed satisfies never
  }
}

export function createShippingService(deps: ShippingServiceDeps): ShippingService {
  const { store, providers, clock, ids } = deps
  const logger = deps.logger ?? silentLogger

  async function ratesFrom(
    provider: ShippingRateProvider,
    request: ShippingRateRequest,
  ): Promise<ShippingRate[]> {
    let answer: unknown
    try {
      answer = await provider.quote(request)
    } catch (cause) {
      // Souk's own errors (a storage outage under the zone tables) keep their code.
      if (cause instanceof CommerceError) throw cause
      throw new ShippingProviderError(provider.id, cause instanceof Error ? cause.message : String(cause), {
        cause,
      })
    }
    const parsed = z.array(providerRateSchema).safeParse(answer)
    if (!parsed.success) {
      throw new ShippingProviderError(provider.id, `malformed rates: ${parsed.error.message}`)
    }
    const foreign = parsed.data.find((rate) => rate.price.currency !== request.subtotal.currency)
    if (foreign) {
      throw new ShippingProviderError(
        provider.id,
        `${foreign.methodId} is priced in ${foreign.price.currency}, not ${request.subtotal.currency}`,
      )
    }
    return parsed.data.map((rate) => ({ ...rate, price: money(rate.price.amount, rate.price.currency) }))
  }

  async function quoteAll(request: ShippingRateRequest): Promise<ShippingQuote[]> {
    const settled = await Promise.allSettled(providers.map((provider) => ratesFrom(provider, request)))
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (providers.length > 0 && failures.length === providers.length) throw failures[0]!.reason
    const now = clock.now()
    const seen = new Set<string>()
    const quotes: ShippingQuote[] = []
    settled.forEach((outcome, index) => {
      const providerId = providers[index]!.id
      if (outcome.status === 'rejected') {
        logger.warn('shipping provider failed; its rates are left out', {
          providerId,
          error: (outcome.reason as CommerceError).message,
        })
        return
      }
      for (const rate of outcome.value) {
        if (seen.has(rate.methodId)) {
          logger.warn('shipping rate with a method id already quoted is left out', {
            providerId,
            methodId: rate.methodId,
          })
          continue
        }
        seen.add(rate.methodId)
        quotes.push({
          ...rate,
          providerId,
          estimatedDelivery: {
            earliest: addBusinessDays(now, rate.estimatedDays.min),
            latest: addBusinessDays(now, rate.estimatedDays.max),
          },
        })
      }
    })
    return quotes.sort(compareQuotes)
  }

  return {
    async createZone(input) {
      const parsed = parseInput(createShippingZoneSchema, input, 'shipping zone')
      return store.createZone({ id: ids('shz'), ...parsed })
    },

    async getZone(input) {
      const valid = parseInput(shippingZoneRefSchema, input, 'shipping zone').zoneId
      const zone = await store.getZone(valid)
      if (!zone) throw new NotFoundError('shipping zone', valid)
      return zone
    },

    async listZones(input = {}) {
      const { cursor, limit } = parseInput(listShippingZonesSchema, input, 'shipping zone query')
      return toCursorPage(await store.listZones({ after: afterCursor(cursor, 'shipping_zones'), limit }))
    },

    async createMethod(input) {
      const parsed = parseInput(createShippingMethodSchema, input, 'shipping method')
      const method = toMethod(ids('shm'), parsed)
      return store.createMethod(method)
    },

    async updateZone(input) {
      const { zoneId, ...patch } = parseInput(updateShippingZoneSchema, input, 'shipping zone update')
      const current = await store.getZone(zoneId)
      if (!current) throw new NotFoundError('shipping zone', zoneId)
      const { id: _id, ...fields } = current
      const merged = parseInput(createShippingZoneSchema, { ...fields, ...defined(patch) }, 'shipping zone')
      const updated = await store.updateZone({ id: zoneId, ...merged })
      if (!updated) throw new NotFoundError('shipping zone', zoneId)
      return updated
    },

    async updateMethod(input) {
      const { methodId, ...patch } = parseInput(updateShippingMethodSchema, input, 'shipping method update')
      const current = await store.getMethod(methodId)
      if (!current) throw new NotFoundError('shipping method', methodId)
      const { id: _id, currency: _currency, ...fields } = current
      const base: Record<string, unknown> =
        patch.kind !== undefined && patch.kind !== current.kind
          ? {
              zoneId: fields.zoneId,
              name: fields.name,
              carrier: fields.carrier,
              estimatedDays: fields.estimatedDays,
              active: fields.active,
            }
          : fields
      const parsed = parseInput(createShippingMethodSchema, { ...base, ...defined(patch) }, 'shipping method')
      const updated = await store.updateMethod(toMethod(methodId, parsed))
      if (!updated) throw new NotFoundError('shipping method', methodId)
      return updated
    },

    async getMethod(input) {
      const valid = parseInput(shippingMethodRefSchema, input, 'shipping method').methodId
      const method = await store.getMethod(valid)
      if (!method) throw new NotFoundError('shipping method', valid)
      return method
    },

    async listMethods(input = {}) {
      const { cursor, ...query } = parseInput(listShippingMethodsSchema, input, 'shipping method query')
      return toCursorPage(
        await store.listMethods({ ...query, after: afterCursor(cursor, 'shipping_methods') }),
      )
    },

    async quote(input) {
      const request = parseInput(shippingQuoteSchema, input, 'shipping quote')
      return quoteAll(request)
    },

    async quoteMethod(input) {
      const { methodId, ...request } = parseInput(shippingMethodQuoteSchema, input, 'shipping quote')
      const found = (await quoteAll(request)).find((q) => q.methodId === methodId)
      if (!found) throw new ShippingUnavailableError(methodId, request.destination)
      return found
    },
  }
}
