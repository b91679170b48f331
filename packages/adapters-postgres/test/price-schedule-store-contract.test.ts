import { createIdGenerator } from '@souk/core'
import { priceScheduleStoreSuite } from '@souk/core/testing'
import { sql } from 'kysely'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

const ids = createIdGenerator()

describeOnDrivers('price_schedule_contract', (fixture, driver) => {
  priceScheduleStoreSuite(
    { describe, it },
    async () => {
      const { storage } = fixture()
      return {
        store: storage.priceSchedules,
        async newVariant(currencies) {
          const productId = ids('prod')
          const variantId = ids('var')
          const sku = `PS-${ids('sku').slice(-12)}`
          await storage.catalog.insertProduct({
            id: productId,
            slug: `ps-${productId.slice(-12).toLowerCase()}`,
            name: 'Scheduled',
            description: '',
            status: 'active',
            categoryId: null,
            sellerId: null,
            tags: [],
            attributes: {},
            images: [],
            variants: [
              {
                id: variantId,
                sku,
                options: {},
                prices: currencies.map((currency) => ({ amount: 1000, currency })),
                weightGrams: 0,
                position: 0,
              },
            ],
            primaryCurrency: currencies[0]!,
            createdAt: new Date(),
          })
          return { sku, variantId, productId }
        },
        async stored(id) {
          const { rows } = await sql<{
            variant_id: string
            currency: string
            amount: string | number
            starts_at: Date
            ends_at: Date | null
          }>`select variant_id, currency, amount, starts_at, ends_at from ${sql.id(storage.schema, 'price_schedules')}
             where id = ${id}`.execute(storage.db)
          const row = rows[0]
          return row
            ? {
                variantId: row.variant_id,
                currency: row.currency.trim(),
                amount: Number(row.amount),
                startsAt: new Date(row.starts_at),
                endsAt: row.ends_at === null ? null : new Date(row.ends_at),
              }
            : null
        },
      }
    },
    { concurrency: driver === 'PGlite' ? 5 : 20 },
  )
})
