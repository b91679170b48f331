import type { Address, AddressStore, StoredAddress } from '@souk/core'
import type { Kysely, Selectable } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'
import type { AddressesTable } from './address-tables.js'

function toAddress(row: Selectable<AddressesTable>): StoredAddress {
  return {
    id: row.id,
    customerId: row.customer_id,
    name: row.name,
    line1: row.line1,
    ...(row.line2 === null ? {} : { line2: row.line2 }),
    city: row.city,
    ...(row.region === null ? {} : { region: row.region }),
    ...(row.postal_code === null ? {} : { postalCode: row.postal_code }),
    country: row.country,
    ...(row.phone === null ? {} : { phone: row.phone }),
    isDefaultShipping: row.is_default_shipping,
    isDefaultBilling: row.is_default_billing,
    createdAt: row.created_at,
  }
}

function columns(a: Address) {
  return {
    name: a.name,
    line1: a.line1,
    line2: a.line2 ?? null,
    city: a.city,
    region: a.region ?? null,
    postal_code: a.postalCode ?? null,
    country: a.country,
    phone: a.phone ?? null,
  }
}

/** The address book on Postgres; partial unique indexes keep one default of each kind. */
export function createPostgresAddressStore(db: Kysely<SoukDatabase>): AddressStore {
  return {
    insert: (a) =>
      withMappedErrors(async () => {
        const row = await db
          .insertInto('addresses')
          .values({
            id: a.id,
            customer_id: a.customerId,
            ...columns(a),
            is_default_shipping: false,
            is_default_billing: false,
            created_at: a.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        return toAddress(row)
      }),

    update: ({ customerId, addressId, address }) =>
      withMappedErrors(async () => {
        const row = await db
          .updateTable('addresses')
          .set(columns(address))
          .where('id', '=', addressId)
          .where('customer_id', '=', customerId)
          .returningAll()
          .executeTakeFirst()
        return row ? toAddress(row) : null
      }),

    delete: ({ customerId, addressId }) =>
      withMappedErrors(async () => {
        const result = await db
          .deleteFrom('addresses')
          .where('id', '=', addressId)
          .where('customer_id', '=', customerId)
          .executeTakeFirst()
        return result.numDeletedRows === 1n
      }),

    list: (customerId) =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('addresses')
          .selectAll()
          .where('customer_id', '=', customerId)
          .orderBy('created_at')
          .orderBy('id')
          .execute()
        return rows.map(toAddress)
      }),

    setDefault: ({ customerId, addressId, kind }) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          const column = kind === 'shipping' ? 'is_default_shipping' : 'is_default_billing'
          // Lock the customer's addresses in id order first: concurrent calls then run one after
          // another, and the partial unique index never sees two defaults.
          const rows = await trx
            .selectFrom('addresses')
            .select('id')
            .where('customer_id', '=', customerId)
            .orderBy('id')
            .forUpdate()
            .execute()
          if (!rows.some((r) => r.id === addressId)) return false
          await trx
            .updateTable('addresses')
            .set({ [column]: false })
            .where('customer_id', '=', customerId)
            .where(column, '=', true)
            .where('id', '<>', addressId)
            .execute()
          await trx
            .updateTable('addresses')
            .set({ [column]: true })
            .where('id', '=', addressId)
            .execute()
          return true
        }),
      ),
  }
}
