import {
  InsufficientStockError,
  type InventoryEvent,
  type InventoryStore,
  type NewReservation,
  NotFoundError,
  type ReservationChange,
  ReservationStateError,
  type StockShortfall,
} from '@souk/core'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'
import {
  type LevelRow,
  parseJson,
  type ReservationJson,
  toAvailability,
  toItem,
  toLocation,
  toReservation,
  toStockLevel,
} from './row-mappers.js'

const ITEM_COLUMNS = ['sku', 'tracked', 'allow_backorder', 'low_stock_threshold'] as const
const LEVEL_COLUMNS = ['sku', 'location_id', 'on_hand', 'reserved'] as const

type Outcome = 'changed' | 'unchanged' | 'not_found' | 'committed' | 'released' | 'expired'

/**
 * The inventory store on Postgres. Counters only ever change inside single SQL statements or the
 * schema's functions (see migrations/001-inventory.ts), which lock levels in (sku, location) order.
 * @param db a Kysely instance or transaction already bound to Souk's schema.
 * @param schema the schema name, for calling Souk's functions.
 */
export function createPostgresInventoryStore(db: Kysely<SoukDatabase>, schema: string): InventoryStore {
  const fn = (name: string) => sql.id(schema, name)

  async function availability(
    trx: Kysely<SoukDatabase>,
    skus: readonly string[],
  ): Promise<Map<string, number>> {
    const { rows } = await sql<{
      available: Record<string, number>
    }>`select ${fn('available_json')}(${[...skus]}::text[]) as available`.execute(trx)
    return toAvailability(parseJson(rows[0]?.available ?? null))
  }

  async function shortfallsFor(
    trx: Kysely<SoukDatabase>,
    requested: ReadonlyMap<string, number>,
    shortSkus: readonly string[],
  ): Promise<StockShortfall[]> {
    const levels = await trx
      .selectFrom('stock_levels')
      .select(LEVEL_COLUMNS)
      .where('sku', 'in', [...requested.keys()])
      .execute()
    const available = new Map<string, number>()
    for (const level of levels.map(toStockLevel)) {
      available.set(level.sku, (available.get(level.sku) ?? 0) + Math.max(0, level.available))
    }
    return [...requested]
      .filter(([sku, quantity]) => shortSkus.includes(sku) || quantity > (available.get(sku) ?? 0))
      .map(([sku, quantity]) => ({ sku, requested: quantity, available: available.get(sku) ?? 0 }))
  }

  /**
   * A CTE body writing the durable `inventory.reserved` of a reservation (the event the service
   * publishes in process) for each row of `source`: the statement that reserves writes it, so it
   * commits or rolls back with the stock. Keyed by the reference, else the reservation id.
   */
  function reservedEvent(r: Omit<NewReservation, 'allocations'>, source: RawBuilder<unknown>) {
    const event: Extract<InventoryEvent, { type: 'inventory.reserved' }> = {
      type: 'inventory.reserved',
      reservationId: r.id,
      reference: r.reference,
      lines: r.lines,
      expiresAt: r.expiresAt,
      occurredAt: r.createdAt,
    }
    const key = r.reference ?? r.id
    const at = r.createdAt
    return sql`insert into ${sql.id(schema, 'outbox')} (topic, key, payload, created_at, available_at)
      select 'commerce.event', ${key}::text, ${fn('domain_event')}(${key}::text, ${JSON.stringify(event)}::jsonb, ${at}),
        ${at}, ${at} from ${source}`
  }

  /** A jsonb `inventory.adjusted` of the level row `l` (alias) moved by `delta` (a SQL expression). */
  const adjustedEvent = (delta: RawBuilder<unknown>, reason: string, at: Date) =>
    sql`jsonb_build_object('type', 'inventory.adjusted', 'sku', l.sku, 'locationId', l.location_id,
      'delta', ${delta}, 'onHand', l.on_hand, 'reason', ${reason}::text, 'occurredAt', ${at.toISOString()}::text)`

  function transition(id: string, target: 'committed' | 'released', at: Date): Promise<ReservationChange> {
    return withMappedErrors(async () => {
      const { rows } = await sql<{ outcome: Outcome; reservation: unknown; available: unknown }>`
        select * from ${fn('transition_reservation')}(${id}, ${target}, ${at})`.execute(db)
      const row = rows[0]!
      if (row.outcome === 'not_found') throw new NotFoundError('reservation', id)
      const reservation = toReservation(parseJson<ReservationJson>(row.reservation))
      const attempted = target === 'committed' ? 'commit' : 'release'
      if (row.outcome === 'committed' || row.outcome === 'released' || row.outcome === 'expired') {
        throw new ReservationStateError(
          `inventory.reservation_${row.outcome}`,
          id,
          reservation.status === 'active' ? 'expired' : reservation.status,
          attempted,
        )
      }
      return {
        reservation,
        changed: row.outcome === 'changed',
        availableAfter: toAvailability(parseJson(row.available)),
      }
    })
  }

  return {
    upsertItem: (item) =>
      withMappedErrors(async () => {
        const values = {
          sku: item.sku,
          ...(item.tracked === undefined ? {} : { tracked: item.tracked }),
          ...(item.allowBackorder === undefined ? {} : { allow_backorder: item.allowBackorder }),
          ...(item.lowStockThreshold === undefined ? {} : { low_stock_threshold: item.lowStockThreshold }),
        }
        const row = await db
          .insertInto('inventory_items')
          .values(values)
          .onConflict((oc) => oc.column('sku').doUpdateSet({ ...values, updated_at: sql`now()` }))
          .returning(ITEM_COLUMNS)
          .executeTakeFirstOrThrow()
        return toItem(row)
      }),

    getItems: (skus) =>
      withMappedErrors(async () => {
        if (skus.length === 0) return []
        const rows = await db
          .selectFrom('inventory_items')
          .select(ITEM_COLUMNS)
          .where('sku', 'in', [...skus])
          .execute()
        return rows.map(toItem)
      }),

    upsertLocation: (location) =>
      withMappedErrors(async () => {
        const row = await db
          .insertInto('locations')
          .values({ id: location.id, name: location.name, priority: location.priority ?? 100 })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              name: location.name,
              ...(location.priority === undefined ? {} : { priority: location.priority }),
            }),
          )
          .returning(['id', 'name', 'priority'])
          .executeTakeFirstOrThrow()
        return toLocation(row)
      }),

    listLocations: () =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('locations')
          .select(['id', 'name', 'priority'])
          .orderBy('priority')
          .orderBy('id')
          .execute()
        return rows.map(toLocation)
      }),

    setOnHand: ({ sku, locationId, onHand, at }) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          await trx
            .insertInto('inventory_items')
            .values({ sku })
            .onConflict((oc) => oc.doNothing())
            .execute()
          await trx
            .insertInto('locations')
            .values({ id: locationId, name: locationId, priority: 100 })
            .onConflict((oc) => oc.doNothing())
            .execute()
          const item = await trx
            .selectFrom('inventory_items')
            .select('allow_backorder')
            .where('sku', '=', sku)
            .executeTakeFirstOrThrow()
          const previous = await trx
            .selectFrom('stock_levels')
            .select(LEVEL_COLUMNS)
            .where('sku', '=', sku)
            .where('location_id', '=', locationId)
            .forUpdate()
            .executeTakeFirst()
          const reserved = previous ? Number(previous.reserved) : 0
          if (onHand < reserved && !item.allow_backorder) {
            throw new InsufficientStockError([{ sku, requested: reserved, available: onHand }])
          }
          const before = previous ? Number(previous.on_hand) : 0
          // The durable inventory.adjusted in the same statement, before the stock signals its
          // change raises (they fire at the statement's end).
          const { rows } = await sql<LevelRow>`
            with level as (
              insert into ${sql.id(schema, 'stock_levels')} as l (sku, location_id, on_hand, reserved, updated_at)
              values (${sku}, ${locationId}, ${onHand}, 0, ${at})
              on conflict (sku, location_id) do update set on_hand = excluded.on_hand, updated_at = excluded.updated_at
              returning l.sku, l.location_id, l.on_hand, l.reserved
            ), adjusted as (
              insert into ${sql.id(schema, 'outbox')} (topic, key, payload, created_at, available_at)
              select 'commerce.event', l.sku,
                ${fn('domain_event')}(l.sku, ${adjustedEvent(sql`l.on_hand - ${before}::bigint`, 'set', at)}, ${at}), ${at}, ${at}
              from level l where l.on_hand <> ${before}::bigint
            )
            select * from level`.execute(trx)
          const row = rows[0]!
          await sql`insert into ${sql.id(schema, 'outbox')} (topic, key, payload, created_at, available_at)
            select 'search.product', v.product_id, '{}'::jsonb, ${at}, ${at}
            from ${sql.id(schema, 'product_variants')} v where v.sku = ${sku}`.execute(trx)
          return {
            level: toStockLevel(row),
            previousOnHand: before,
            availableAfter: await availability(trx, [sku]),
          }
        }),
      ),

    adjustOnHand: ({ sku, locationId, delta, reason = 'restock', at }) =>
      withMappedErrors(async () => {
        // In-stock is part of a product's search document: the indexer is told in the same statement.
        const { rows } = await sql<LevelRow>`
          with updated as (
          update ${sql.id(schema, 'stock_levels')} as l
          set on_hand = l.on_hand + ${delta}, updated_at = ${at}
          from ${sql.id(schema, 'inventory_items')} as i
          where l.sku = ${sku} and l.location_id = ${locationId} and i.sku = l.sku
            and (${delta}::bigint > 0 or l.on_hand + ${delta} >= l.reserved
                 or (i.allow_backorder and l.on_hand + ${delta} >= 0))
          returning l.sku, l.location_id, l.on_hand, l.reserved
          ), announced as (
            insert into ${sql.id(schema, 'outbox')} (topic, key, payload, created_at, available_at)
            select 'search.product', v.product_id, '{}'::jsonb, ${at}, ${at}
            from ${sql.id(schema, 'product_variants')} v join updated u on v.sku = u.sku
          ), adjusted as (
            insert into ${sql.id(schema, 'outbox')} (topic, key, payload, created_at, available_at)
            select 'commerce.event', l.sku,
              ${fn('domain_event')}(l.sku, ${adjustedEvent(sql`${delta}::bigint`, reason, at)}, ${at}), ${at}, ${at}
            from updated l where ${delta}::bigint <> 0
          )
          select * from updated`.execute(db)
        const row = rows[0]
        if (!row) {
          const current = await db
            .selectFrom('stock_levels')
            .select(LEVEL_COLUMNS)
            .where('sku', '=', sku)
            .where('location_id', '=', locationId)
            .executeTakeFirst()
          if (!current) throw new NotFoundError('stock level', `${sku}@${locationId}`)
          const level = toStockLevel(current)
          throw new InsufficientStockError([
            { sku, requested: -delta, available: Math.max(0, level.available) },
          ])
        }
        const level = toStockLevel(row)
        return { level, previousOnHand: level.onHand - delta, availableAfter: await availability(db, [sku]) }
      }),

    getLevels: (skus) =>
      withMappedErrors(async () => {
        if (skus.length === 0) return []
        const rows = await db
          .selectFrom('stock_levels')
          .select(LEVEL_COLUMNS)
          .where('sku', 'in', [...skus])
          .orderBy('sku')
          .orderBy('location_id')
          .execute()
        return rows.map(toStockLevel)
      }),

    getAllocationSnapshot: (skus) =>
      withMappedErrors(async () => {
        // One round trip: settings, levels and their locations as JSON.
        const { rows } = await sql<{ items: unknown; levels: unknown; locations: unknown }>`
          select
            (select coalesce(jsonb_agg(i), '[]') from ${sql.id(schema, 'inventory_items')} i where i.sku = any(${[...skus]}::text[])) as items,
            (select coalesce(jsonb_agg(l), '[]') from ${sql.id(schema, 'stock_levels')} l where l.sku = any(${[...skus]}::text[])) as levels,
            (select coalesce(jsonb_agg(o order by o.priority, o.id), '[]') from ${sql.id(schema, 'locations')} o
              where o.id in (select l.location_id from ${sql.id(schema, 'stock_levels')} l where l.sku = any(${[...skus]}::text[]))) as locations`.execute(
          db,
        )
        const row = rows[0]!
        return {
          items: parseJson<Parameters<typeof toItem>[0][]>(row.items).map(toItem),
          levels: parseJson<LevelRow[]>(row.levels).map(toStockLevel),
          locations: parseJson<Parameters<typeof toLocation>[0][]>(row.locations).map(toLocation),
        }
      }),

    reserveWithDefaultAllocation: (reservation) =>
      withMappedErrors(async () => {
        const { id, reference, lines, expiresAt, createdAt } = reservation
        const payload = JSON.stringify({
          id,
          reference,
          expiresAt,
          at: createdAt,
          skus: lines.map((l) => l.sku),
          quantities: lines.map((l) => l.quantity),
          allocations: null,
        })
        const { rows } = await sql<{ result: unknown }>`
          with r as (select ${fn('reserve_cart')}(${payload}::jsonb) as result),
          reserved as (${reservedEvent(reservation, sql`r`)})
          select result from r`.execute(db)
        const result = parseJson<{
          allocations: { sku: string; locationId: string; quantity: number | string }[]
          available: Record<string, number>
          items: {
            sku: string
            tracked: boolean
            allowBackorder: boolean
            lowStockThreshold: number | null
          }[]
        }>(rows[0]!.result)
        return {
          allocations: result.allocations.map((a) => ({ ...a, quantity: Number(a.quantity) })),
          change: { availableAfter: toAvailability(result.available) },
          items: result.items,
        }
      }),

    createReservation: (reservation) =>
      withMappedErrors(async () => {
        const { id, reference, lines, allocations, expiresAt, createdAt } = reservation
        const { rows } = await sql<{ ok: boolean; short_skus: string[]; available: unknown }>`
          with r as (select * from ${fn('reserve_stock')}(
            ${id}, ${reference}, ${expiresAt}, ${createdAt},
            ${lines.map((l) => l.sku)}::text[], ${lines.map((l) => l.quantity)}::bigint[],
            ${allocations.map((a) => a.sku)}::text[], ${allocations.map((a) => a.locationId)}::text[],
            ${allocations.map((a) => a.quantity)}::bigint[])),
          reserved as (${reservedEvent(reservation, sql`r where r.ok`)})
          select ok, short_skus, available from r`.execute(db)
        const row = rows[0]!
        if (!row.ok) {
          const requested = new Map<string, number>()
          for (const a of allocations) requested.set(a.sku, (requested.get(a.sku) ?? 0) + a.quantity)
          throw new InsufficientStockError(await shortfallsFor(db, requested, row.short_skus))
        }
        return { availableAfter: toAvailability(parseJson(row.available)) }
      }),

    getReservation: (id) =>
      withMappedErrors(async () => {
        const { rows } = await sql<{
          reservation: unknown
        }>`select ${fn('reservation_json')}(${id}) as reservation`.execute(db)
        const json = rows[0]?.reservation
        return json ? toReservation(parseJson<ReservationJson>(json)) : null
      }),

    commitReservation: ({ reservationId, at }) => transition(reservationId, 'committed', at),
    releaseReservation: ({ reservationId, at }) => transition(reservationId, 'released', at),

    expireReservations: ({ at, limit }) =>
      withMappedErrors(async () => {
        const { rows } = await sql<{ reservation: unknown; available: unknown }>`
          select * from ${fn('expire_reservations')}(${at}, ${limit})`.execute(db)
        return rows.map((row) => ({
          reservation: toReservation(parseJson<ReservationJson>(row.reservation)),
          changed: true,
          availableAfter: toAvailability(parseJson(row.available)),
        }))
      }),

    addStockSubscription: ({ sku, subscriber, at }) =>
      withMappedErrors(async () => {
        await db
          .insertInto('stock_subscriptions')
          .values({ sku, subscriber, created_at: at })
          .onConflict((oc) => oc.doNothing())
          .execute()
      }),

    removeStockSubscription: ({ sku, subscriber }) =>
      withMappedErrors(async () => {
        await db
          .deleteFrom('stock_subscriptions')
          .where('sku', '=', sku)
          .where('subscriber', '=', subscriber)
          .execute()
      }),

    listStockSubscribers: (sku) =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('stock_subscriptions')
          .select('subscriber')
          .where('sku', '=', sku)
          .orderBy('created_at')
          .execute()
        return rows.map((r) => r.subscriber)
      }),
  }
}
