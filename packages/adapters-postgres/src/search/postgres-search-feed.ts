import { money, type SearchFeed } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { checkCursor, ID_KEY, keysetPage } from '../keyset.js'
import { withMappedErrors as mapped } from '../map-postgres-error.js'

/** The sort name of searchable-id cursors: ascending product id. */
const BY_ID = 'id'

type Int8Value = string | number | bigint

interface DocumentRow {
  id: string
  slug: string
  name: string
  description: string
  tags: string[]
  category_path: string[]
  categories: { id: string; name: string }[] | string | null
  seller_id: string | null
  price: Int8Value
  in_stock: boolean
  units_sold: Int8Value
  rating_count: number
  rating_sum: number
  created_at: Date
}

/**
 * The search feed on Postgres: documents built from the product row (its category path, in-stock
 * flag, units sold and rating aggregate) and its per-currency lowest price.
 * @param db a Kysely instance bound to Souk's schema.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresSearchFeed(db: Kysely<SoukDatabase>, schema: string): SearchFeed {
  const t = (name: string) => sql.id(schema, name)
  return {
    searchDocuments: ({ ids, currency }) =>
      mapped(async () => {
        if (ids.length === 0) return []
        const { rows } = await sql<DocumentRow>`
          select p.id, p.slug, p.name, p.description, p.tags, p.category_path, p.seller_id,
            x.min_amount as price, p.in_stock, p.units_sold, p.rating_count, p.rating_sum, p.created_at,
            (select coalesce(json_agg(json_build_object('id', c.id, 'name', c.name)
              order by array_position(p.category_path, c.id)), '[]'::json)
              from ${t('categories')} c where c.id = any(p.category_path)) as categories
          from ${t('products')} p
          join ${t('product_prices')} x on x.product_id = p.id and x.currency = ${currency}
          where p.id = any(${[...ids]}::text[]) and p.status = 'active'`.execute(db)
        return rows.map((r) => ({
          id: r.id,
          slug: r.slug,
          name: r.name,
          description: r.description,
          tags: r.tags,
          categoryIds: r.category_path,
          categories: typeof r.categories === 'string' ? JSON.parse(r.categories) : (r.categories ?? []),
          sellerId: r.seller_id,
          price: money(Number(r.price), currency),
          inStock: r.in_stock,
          popularity: Number(r.units_sold),
          rating: r.rating_count > 0 ? Math.round((r.rating_sum / r.rating_count) * 100) / 100 : null,
          createdAt: r.created_at,
        }))
      }),

    listSearchableProductIds: ({ after, limit }) =>
      mapped(async () => {
        checkCursor(after, ID_KEY)
        const { rows } = await sql<{ id: string }>`
          select id from ${t('products')}
          where status = 'active'${after ? sql` and id > ${after.id}` : sql``}
          order by id limit ${limit + 1}`.execute(db)
        return keysetPage(
          rows,
          { limit, sort: BY_ID, position: (row) => ({ key: row.id, id: row.id }) },
          (row) => row.id,
        )
      }),

    countSearchableProducts: () =>
      mapped(async () => {
        const { rows } = await sql<{ n: Int8Value }>`
          select count(*) as n from ${t('products')} where status = 'active'`.execute(db)
        return Number(rows[0]?.n ?? 0)
      }),
  }
}
