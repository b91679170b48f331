import {
  NotFoundError,
  nextShipmentStatus,
  type Shipment,
  type ShipmentStatus,
  type ShipmentStore,
  ValidationError,
} from '@souk/core'
import type { Kysely, Selectable } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'
import type { ShipmentsTable } from './shipment-tables.js'

/** Shipments on Postgres over the 002 tables shipments, shipment_lines and tracking_events. */
export function createPostgresShipmentStore(db: Kysely<SoukDatabase>): ShipmentStore {
  async function hydrate(rows: Selectable<ShipmentsTable>[]): Promise<Shipment[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    const [lines, events] = await Promise.all([
      db
        .selectFrom('shipment_lines')
        .selectAll()
        .where('shipment_id', 'in', ids)
        .orderBy('order_line_id')
        .execute(),
      db
        .selectFrom('tracking_events')
        .selectAll()
        .where('shipment_id', 'in', ids)
        .orderBy('occurred_at')
        .orderBy('id')
        .execute(),
    ])
    return rows.map((row) => ({
      id: row.id,
      orderId: row.order_id,
      carrier: row.carrier,
      trackingNumber: row.tracking_number,
      status: row.status as ShipmentStatus,
      lines: lines
        .filter((l) => l.shipment_id === row.id)
        .map((l) => ({ orderLineId: l.order_line_id, quantity: l.quantity })),
      tracking: events
        .filter((e) => e.shipment_id === row.id)
        .map((e) => ({
          id: e.id,
          status: e.status as ShipmentStatus,
          description: e.description,
          location: e.location,
          occurredAt: e.occurred_at,
        })),
      shippedAt: row.shipped_at,
      deliveredAt: row.delivered_at,
    }))
  }

  async function get(id: string): Promise<Shipment | null> {
    const row = await db.selectFrom('shipments').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? ((await hydrate([row]))[0] ?? null) : null
  }

  return {
    insert: (shipment) =>
      withMappedErrors(async () => {
        await transact(db, async (trx) => {
          // Lock the order so two parcels of it are checked one after the other: the quantities
          // already shipped are re-read under the lock, and the new parcel must fit in what is left.
          await trx
            .selectFrom('orders')
            .select('id')
            .where('id', '=', shipment.orderId)
            .forUpdate()
            .executeTakeFirst()
          const lines = await trx
            .selectFrom('order_lines')
            .select(['id', 'quantity'])
            .where('order_id', '=', shipment.orderId)
            .execute()
          const shipped = await trx
            .selectFrom('shipment_lines as l')
            .innerJoin('shipments as s', 's.id', 'l.shipment_id')
            .select(['l.order_line_id', (eb) => eb.fn.sum<string>('l.quantity').as('quantity')])
            .where('s.order_id', '=', shipment.orderId)
            .groupBy('l.order_line_id')
            .execute()
          const done = new Map(shipped.map((r) => [r.order_line_id, Number(r.quantity)]))
          for (const line of shipment.lines) {
            const ordered = lines.find((l) => l.id === line.orderLineId)?.quantity ?? 0
            if ((done.get(line.orderLineId) ?? 0) + line.quantity > ordered) {
              throw new ValidationError('Shipment quantity exceeds what is left to ship', [
                {
                  path: `lines.${line.orderLineId}`,
                  message: `at most ${ordered - (done.get(line.orderLineId) ?? 0)}`,
                },
              ])
            }
          }
          await trx
            .insertInto('shipments')
            .values({
              id: shipment.id,
              order_id: shipment.orderId,
              carrier: shipment.carrier,
              tracking_number: shipment.trackingNumber,
              status: shipment.status,
              shipped_at: shipment.shippedAt,
            })
            .execute()
          await trx
            .insertInto('shipment_lines')
            .values(
              shipment.lines.map((l) => ({
                shipment_id: shipment.id,
                order_line_id: l.orderLineId,
                quantity: l.quantity,
              })),
            )
            .execute()
        })
        return (await get(shipment.id))!
      }),

    get: (id) => withMappedErrors(() => get(id)),

    listByOrder: (orderId) =>
      withMappedErrors(async () =>
        hydrate(
          await db
            .selectFrom('shipments')
            .selectAll()
            .where('order_id', '=', orderId)
            .orderBy('shipped_at')
            .orderBy('id')
            .execute(),
        ),
      ),

    shippedQuantities: (orderId) =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('shipment_lines as l')
          .innerJoin('shipments as s', 's.id', 'l.shipment_id')
          .select(['l.order_line_id', (eb) => eb.fn.sum<string>('l.quantity').as('quantity')])
          .where('s.order_id', '=', orderId)
          .groupBy('l.order_line_id')
          .execute()
        return new Map(rows.map((r) => [r.order_line_id, Number(r.quantity)]))
      }),

    addTrackingEvent: ({ shipmentId, event }) =>
      withMappedErrors(async () => {
        await transact(db, async (trx) => {
          // The row lock orders concurrent events of one shipment; the newest event is read after
          // it, so a late, older event never sees a stale "newest" and moves the status back.
          const shipment = await trx
            .selectFrom('shipments')
            .select(['status', 'delivered_at'])
            .where('id', '=', shipmentId)
            .forUpdate()
            .executeTakeFirst()
          if (!shipment) throw new NotFoundError('shipment', shipmentId)
          const newest = await trx
            .selectFrom('tracking_events')
            .select((eb) => eb.fn.max('occurred_at').as('occurred_at'))
            .where('shipment_id', '=', shipmentId)
            .executeTakeFirst()
          const current = shipment.status as ShipmentStatus
          const status = nextShipmentStatus(current, newest?.occurred_at ?? null, event)
          if (status !== current) {
            await trx
              .updateTable('shipments')
              .set({
                status,
                ...(status === 'delivered' && shipment.delivered_at === null
                  ? { delivered_at: event.occurredAt }
                  : {}),
              })
              .where('id', '=', shipmentId)
              .execute()
          }
          await trx
            .insertInto('tracking_events')
            .values({
              id: event.id,
              shipment_id: shipmentId,
              status: event.status,
              description: event.description,
              location: event.location,
              occurred_at: event.occurredAt,
            })
            .execute()
        })
        return (await get(shipmentId))!
      }),
  }
}
