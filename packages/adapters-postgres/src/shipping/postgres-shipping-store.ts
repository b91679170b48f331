import {
  money,
  NotFoundError,
  type ShippingMethod,
  type ShippingStore,
  type ShippingZone,
  type ZoneMethods,
} from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { byId, checkCursor, ID_KEY, keysetPage } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import type { ShippingMethodConfig } from './shipping-tables.js'

const ZONE_COLUMNS = ['id', 'name', 'countries', 'regions'] as const
const METHOD_COLUMNS = [
  'id',
  'zone_id',
  'name',
  'kind',
  'currency',
  'config',
  'carrier',
  'min_days',
  'max_days',
  'active',
] as const

interface MethodRow {
  id: string
  zone_id: string
  name: string
  kind: ShippingMethod['kind']
  currency: string
  config: unknown
  carrier: string | null
  min_days: number
  max_days: number
  active: boolean
}

function toZone(row: { id: string; name: string; countries: string[]; regions: string[] }): ShippingZone {
  return { id: row.id, name: row.name, countries: row.countries, regions: row.regions }
}

function toMethod(row: MethodRow): ShippingMethod {
  const base = {
    id: row.id,
    zoneId: row.zone_id,
    name: row.name,
    carrier: row.carrier,
    currency: row.currency,
    estimatedDays: { min: row.min_days, max: row.max_days },
    active: row.active,
  }
  const price = (amount: number) => money(amount, row.currency)
  switch (row.kind) {
    case 'flat': {
      const config = parseJson<{ amount: number }>(row.config)
      return { ...base, kind: 'flat', price: price(config.amount) }
    }
    case 'free_over': {
      const config = parseJson<{ amount: number; threshold: number }>(row.config)
      return { ...base, kind: 'free_over', price: price(config.amount), threshold: price(config.threshold) }
    }
    default: {
      const config = parseJson<{ brackets: { upToGrams: number; amount: number }[] }>(row.config)
      return {
        ...base,
        kind: 'weight_table',
        brackets: config.brackets.map((b) => ({ upToGrams: b.upToGrams, price: price(b.amount) })),
      }
    }
  }
}

function toConfig(method: ShippingMethod): ShippingMethodConfig {
  switch (method.kind) {
    case 'flat':
      return { amount: method.price.amount }
    case 'free_over':
      return { amount: method.price.amount, threshold: method.threshold.amount }
    default:
      return { brackets: method.brackets.map((b) => ({ upToGrams: b.upToGrams, amount: b.price.amount })) }
  }
}

/**
 * Shipping zones and methods on Postgres (tables of 002-commerce). Method prices live in `config`
 * as minor units of the method's `currency`.
 * @param db a Kysely instance or transaction already bound to Souk's schema.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresShippingStore(db: Kysely<SoukDatabase>, schema: string): ShippingStore {
  const table = (name: string) => sql.id(schema, name)

  return {
    createZone: (zone) =>
      withMappedErrors(async () => {
        const row = await db
          .insertInto('shipping_zones')
          .values({
            id: zone.id,
            name: zone.name,
            countries: [...zone.countries],
            regions: [...zone.regions],
          })
          .returning(ZONE_COLUMNS)
          .executeTakeFirstOrThrow()
        return toZone(row)
      }),

    getZone: (id) =>
      withMappedErrors(async () => {
        const row = await db
          .selectFrom('shipping_zones')
          .select(ZONE_COLUMNS)
          .where('id', '=', id)
          .executeTakeFirst()
        return row ? toZone(row) : null
      }),

    listZones: ({ after, limit }) =>
      withMappedErrors(async () => {
        checkCursor(after, ID_KEY)
        let query = db
          .selectFrom('shipping_zones')
          .select(ZONE_COLUMNS)
          .orderBy('id')
          .limit(limit + 1)
        if (after) query = query.where('id', '>', after.id)
        return keysetPage(await query.execute(), { limit, sort: 'shipping_zones', position: byId }, toZone)
      }),

    createMethod: (method) =>
      withMappedErrors(async () => {
        // Inserted only when the zone exists, so an unknown zone is a NotFoundError and not a
        // foreign-key violation that would abort the caller's transaction.
        const { rows } = await sql<MethodRow>`
          insert into ${table('shipping_methods')}
            (id, zone_id, name, kind, currency, config, carrier, min_days, max_days, active)
          select ${method.id}, z.id, ${method.name}, ${method.kind}, ${method.currency},
            ${JSON.stringify(toConfig(method))}::jsonb, ${method.carrier}::text,
            ${method.estimatedDays.min}::integer, ${method.estimatedDays.max}::integer, ${method.active}::boolean
          from ${table('shipping_zones')} as z where z.id = ${method.zoneId}
          returning ${sql.join(METHOD_COLUMNS.map((c) => sql.ref(c)))}`.execute(db)
        const row = rows[0]
        if (!row) throw new NotFoundError('shipping zone', method.zoneId)
        return toMethod(row)
      }),

    getMethod: (id) =>
      withMappedErrors(async () => {
        const row = await db
          .selectFrom('shipping_methods')
          .select(METHOD_COLUMNS)
          .where('id', '=', id)
          .executeTakeFirst()
        return row ? toMethod(row) : null
      }),

    listMethods: ({ zoneId, includeInactive, after, limit }) =>
      withMappedErrors(async () => {
        checkCursor(after, ID_KEY)
        let query = db
          .selectFrom('shipping_methods')
          .select(METHOD_COLUMNS)
          .orderBy('id')
          .limit(limit + 1)
        if (zoneId !== undefined) query = query.where('zone_id', '=', zoneId)
        if (!includeInactive) query = query.where('active', '=', true)
        if (after) query = query.where('id', '>', after.id)
        return keysetPage(
          await query.execute(),
          { limit, sort: 'shipping_methods', position: byId },
          toMethod,
        )
      }),

    updateZone: (zone) =>
      withMappedErrors(async () => {
        const row = await db
          .updateTable('shipping_zones')
          .set({ name: zone.name, countries: [...zone.countries], regions: [...zone.regions] })
          .where('id', '=', zone.id)
          .returning(ZONE_COLUMNS)
          .executeTakeFirst()
        return row ? toZone(row) : null
      }),

    updateMethod: (method) =>
      withMappedErrors(async () => {
        // Like createMethod: only into a zone that exists, so a missing zone is a NotFoundError and
        // not a foreign-key violation that would abort the caller's transaction.
        const { rows } = await sql<MethodRow & { zone_found: boolean }>`
          with target as (select id from ${table('shipping_methods')} where id = ${method.id}),
          zone as (select id from ${table('shipping_zones')} where id = ${method.zoneId}),
          updated as (
            update ${table('shipping_methods')} as m set
              zone_id = zone.id, name = ${method.name}, kind = ${method.kind}, currency = ${method.currency},
              config = ${JSON.stringify(toConfig(method))}::jsonb, carrier = ${method.carrier}::text,
              min_days = ${method.estimatedDays.min}::integer, max_days = ${method.estimatedDays.max}::integer,
              active = ${method.active}::boolean
            from zone where m.id = ${method.id}
            returning ${sql.join(METHOD_COLUMNS.map((c) => sql.ref(`m.${c}`)))}
          )
          select updated.*, exists (select 1 from zone) as zone_found
          from target left join updated on true`.execute(db)
        const row = rows[0]
        if (!row) return null
        if (!row.zone_found) throw new NotFoundError('shipping zone', method.zoneId)
        return toMethod(row)
      }),

    findZoneMethods: (country) =>
      withMappedErrors(async () => {
        const { rows } = await sql<{
          zone: { id: string; name: string; countries: string[]; regions: string[] }
          method: MethodRow | null
        }>`
          select to_jsonb(z.*) as zone, to_jsonb(m.*) as method
          from ${table('shipping_zones')} as z
          left join ${table('shipping_methods')} as m on m.zone_id = z.id and m.active
          where z.countries && ${[country, '*']}::text[]
          order by z.id, m.id`.execute(db)
        const zones = new Map<string, { zone: ShippingZone; methods: ShippingMethod[] }>()
        for (const row of rows) {
          const zone = parseJson<{ id: string; name: string; countries: string[]; regions: string[] }>(
            row.zone,
          )
          const entry = zones.get(zone.id) ?? { zone: toZone(zone), methods: [] }
          zones.set(zone.id, entry)
          if (row.method !== null) entry.methods.push(toMethod(parseJson<MethodRow>(row.method)))
        }
        return [...zones.values()] satisfies ZoneMethods[]
      }),
  }
}
