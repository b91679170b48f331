import {
  type KeysetCursor,
  type ProductListQuery,
  type ProductSort,
  PURCHASED_ORDER_STATUSES,
  ValidationError,
} from '@souk/core'
import { type RawBuilder, sql } from 'kysely'
import { pricedAtSql } from '../pricing/price-sql.js'
import type { SummaryRow } from './row-mappers.js'

/** A page row: the summary plus its sort key as exact text, for the next cursor. */
export interface PageRow extends SummaryRow {
  sort_key: string
}

/**
 * The product columns a page query selects, before the summary's per-row extras are added.
 * `in_stock` is the flag migration 011 keeps from the variants' stock: whether some variant is
 * untracked, backorderable or has stock available.
 */
export function baseColumnsSql(): RawBuilder<unknown> {
  return sql`p.id, p.slug, p.name, p.status, p.category_id, p.seller_id, p.tags, p.units_sold,
    p.rating_count, p.rating_sum, p.rating_avg, p.created_at, p.in_stock`
}

/**
 * Turns the rows of `inner` (at most a page, selecting {@link baseColumnsSql} and any `extra`
 * columns) into {@link SummaryRow}s: prices and primary image are looked up only for those rows.
 * Done outside `inner` on purpose: inside, the planner sizes the per-row subqueries by the whole
 * filtered table rather than the page, and hashes every price and image instead.
 * `order` re-applies the inner order (a subquery's order does not survive a join).
 */
export function summarySql<R extends SummaryRow>(
  schema: string,
  inner: RawBuilder<unknown>,
  order: RawBuilder<unknown>,
  extra: RawBuilder<unknown> = sql``,
  /** Prices shown are those in force at this instant (scheduled prices). Default: the database's time. */
  pricedAt?: Date,
): RawBuilder<R> {
  const t = (name: string) => sql.id(schema, name)
  const at = pricedAtSql(pricedAt)
  // Per currency, the cheapest variant at `at` (a schedule in force, else the regular price) and
  // its was-price: the higher of its compare-at price and, during a sale, its regular price.
  // `product_prices` holds regular prices only: it serves price filters and sorts, not display.
  return sql<R>`select p.id, p.slug, p.name, p.status, p.category_id, p.seller_id, p.tags, p.units_sold,
    p.rating_count, p.rating_sum, p.created_at, p.in_stock${extra},
    (select coalesce(jsonb_agg(jsonb_build_array(x.currency, x.amount,
        case when x.top > x.amount then x.top end) order by x.currency), '[]')
      from (select distinct on (vp.currency) vp.currency, coalesce(s.amount, vp.amount) as amount,
              greatest(case when v.compare_at_currency = vp.currency then v.compare_at_amount end,
                       case when s.amount is not null then vp.amount end) as top
            from ${t('product_variants')} v
            join ${t('variant_prices')} vp on vp.variant_id = v.id
            left join lateral (select ps.amount from ${t('price_schedules')} ps
                where ps.variant_id = v.id and ps.currency = vp.currency
                  and ps.starts_at <= ${at} and (ps.ends_at is null or ps.ends_at > ${at})
                order by ps.starts_at desc limit 1) s on true
            where v.product_id = p.id
            order by vp.currency, coalesce(s.amount, vp.amount), v.position, v.id) x) as prices,
    (select min(case when ps.starts_at > ${at} then ps.starts_at else ps.ends_at end)
      from ${t('price_schedules')} ps
      where ps.product_id = p.id and (ps.starts_at > ${at} or ps.ends_at > ${at})) as next_price_change,
    (select jsonb_build_array(i.url, i.alt) from ${t('product_images')} i
      where i.product_id = p.id order by i.is_primary desc, i.position, i.id limit 1) as image
    from (${inner}) p
    order by ${order}`
}

interface SortSpec {
  /** The sort key as exact text. */
  readonly key: RawBuilder<string>
  /** `(key, id) <op> (cursor)`; `<` for descending orders. */
  readonly after: (cursor: KeysetCursor) => RawBuilder<boolean>
  readonly order: RawBuilder<unknown>
  /** The same order over the page subquery's columns. */
  readonly outerOrder: RawBuilder<unknown>
  /** What a cursor key must look like, checked before it reaches SQL. */
  readonly keyPattern: RegExp
}

const INTEGER = /^\d{1,19}$/
/** The text `isoMicros` produces. */
const TIMESTAMP = /^\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/
const DECIMAL = /^\d{1,20}(\.\d{1,20})?$/
const ID = /^[A-Za-z0-9_-]{1,100}$/

/** A timestamptz as UTC ISO-8601 with microseconds: exact, so a keyset cursor never skips a row. */
export function isoMicros(column: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
}

function sortSpec(sort: ProductSort): SortSpec {
  switch (sort) {
    case 'newest':
      return {
        key: isoMicros(sql`p.created_at`),
        after: (c) => sql<boolean>`(p.created_at, p.id) < (${c.key}::timestamptz, ${c.id})`,
        order: sql`p.created_at desc, p.id desc`,
        outerOrder: sql`p.created_at desc, p.id desc`,
        keyPattern: TIMESTAMP,
      }
    case 'popular':
      return {
        key: sql<string>`p.units_sold::text`,
        after: (c) => sql<boolean>`(p.units_sold, p.id) < (${c.key}::bigint, ${c.id})`,
        order: sql`p.units_sold desc, p.id desc`,
        outerOrder: sql`p.units_sold desc, p.id desc`,
        keyPattern: INTEGER,
      }
    case 'rating':
      return {
        key: sql<string>`p.rating_avg::text`,
        after: (c) => sql<boolean>`(p.rating_avg, p.id) < (${c.key}::numeric, ${c.id})`,
        order: sql`p.rating_avg desc, p.id desc`,
        outerOrder: sql`p.rating_avg desc, p.id desc`,
        keyPattern: DECIMAL,
      }
    case 'price_asc':
      return {
        key: sql<string>`pr.min_amount::text`,
        after: (c) => sql<boolean>`(pr.min_amount, pr.product_id) > (${c.key}::bigint, ${c.id})`,
        order: sql`pr.min_amount, pr.product_id`,
        outerOrder: sql`p.price_key, p.id`,
        keyPattern: INTEGER,
      }
    case 'price_desc':
      return {
        key: sql<string>`pr.min_amount::text`,
        after: (c) => sql<boolean>`(pr.min_amount, pr.product_id) < (${c.key}::bigint, ${c.id})`,
        order: sql`pr.min_amount desc, pr.product_id desc`,
        outerOrder: sql`p.price_key desc, p.id desc`,
        keyPattern: INTEGER,
      }
  }
}

function checkCursor(cursor: KeysetCursor, spec: SortSpec): void {
  if (!spec.keyPattern.test(cursor.key) || !ID.test(cursor.id)) {
    throw new ValidationError('Invalid cursor: not a cursor this API returned', [
      { path: 'cursor', message: 'not a cursor this API returned' },
    ])
  }
}

export interface ListProductsSql {
  readonly page: RawBuilder<PageRow>
  /** Null when the query did not ask for a total. */
  readonly count: RawBuilder<{ total: string | number | bigint }> | null
}

/**
 * The listing's SQL: one page in keyset order (`limit + 1` rows, the extra one says whether a next
 * page exists) and the matching count. Exported so tests can EXPLAIN exactly what the store runs.
 * Throws `ValidationError` for a cursor of another sort or a malformed one.
 */
export function listProductsSql(schema: string, query: ProductListQuery): ListProductsSql {
  const t = (name: string) => sql.id(schema, name)
  const spec = sortSpec(query.sort)
  const priceSort = query.sort === 'price_asc' || query.sort === 'price_desc'
  if (priceSort && query.currency === undefined) {
    throw new ValidationError('Invalid product query: a price sort needs a currency', [
      { path: 'currency', message: 'a price sort needs a currency' },
    ])
  }
  if (query.after) checkCursor(query.after, spec)

  const where: RawBuilder<unknown>[] = [sql`p.status = ${query.status}`]
  // Joining the per-currency price also restricts the listing to products sold in that currency.
  const join =
    query.currency === undefined
      ? sql``
      : sql`join ${t('product_prices')} pr on pr.product_id = p.id and pr.currency = ${query.currency} and pr.status = ${query.status}`
  if (query.categoryId !== undefined) where.push(sql`p.category_path @> array[${query.categoryId}]::text[]`)
  if (query.sellerId !== undefined) where.push(sql`p.seller_id = ${query.sellerId}`)
  if (query.tags !== undefined && query.tags.length > 0) where.push(sql`p.tags @> ${[...query.tags]}::text[]`)
  if (query.priceMin !== undefined) where.push(sql`pr.min_amount >= ${query.priceMin}`)
  if (query.priceMax !== undefined) where.push(sql`pr.min_amount <= ${query.priceMax}`)
  // Partial indexes on the flag serve the products-ordered sorts (migration 011).
  if (query.inStock !== undefined) where.push(query.inStock ? sql`p.in_stock` : sql`not p.in_stock`)
  const filters = sql.join(where, sql` and `)
  const keyset = query.after ? sql` and ${spec.after(query.after)}` : sql``

  const priceKey = query.currency === undefined ? sql`null::bigint` : sql`pr.min_amount`
  const inner = sql`select ${baseColumnsSql()}, ${priceKey} as price_key, ${spec.key} as sort_key
    from ${t('products')} p ${join}
    where ${filters}${keyset}
    order by ${spec.order}
    limit ${query.limit + 1}`
  const page = summarySql<PageRow>(schema, inner, spec.outerOrder, sql`, p.sort_key`, query.at)
  const count = query.countTotal ? countSql(schema, query) : null
  return { page, count }
}

/**
 * The listing's total, counted from indexes alone where it can be (at a million products, the
 * page's own conditions would read every matching product row: seconds, where this takes tens of
 * milliseconds):
 * - a category is the category's subtree, taken from `categories.path`, so the total counts
 *   `products_category_count_idx` (migration 017) rather than matching `category_path` row by row;
 * - a price filter or sort with no other product condition counts `product_prices` alone: its
 *   `status` is the product's, copied by every product write (migration 003), so the join would
 *   only confirm it.
 * Counts exactly the rows the page query walks.
 */
function countSql(schema: string, query: ProductListQuery): RawBuilder<{ total: string | number | bigint }> {
  const t = (name: string) => sql.id(schema, name)
  const prices: RawBuilder<unknown>[] = []
  if (query.priceMin !== undefined) prices.push(sql`pr.min_amount >= ${query.priceMin}`)
  if (query.priceMax !== undefined) prices.push(sql`pr.min_amount <= ${query.priceMax}`)
  const productConditions =
    query.categoryId !== undefined ||
    query.sellerId !== undefined ||
    (query.tags !== undefined && query.tags.length > 0) ||
    query.inStock !== undefined
  if (query.currency !== undefined && !productConditions) {
    const where = [sql`pr.currency = ${query.currency}`, sql`pr.status = ${query.status}`, ...prices]
    return sql`select count(*) as total from ${t('product_prices')} pr where ${sql.join(where, sql` and `)}`
  }
  const where: RawBuilder<unknown>[] = [sql`p.status = ${query.status}`]
  if (query.categoryId !== undefined) {
    where.push(sql`p.category_id = any(array(
      select c.id from ${t('categories')} c where c.path @> array[${query.categoryId}]::text[]))`)
  }
  if (query.sellerId !== undefined) where.push(sql`p.seller_id = ${query.sellerId}`)
  if (query.tags !== undefined && query.tags.length > 0) where.push(sql`p.tags @> ${[...query.tags]}::text[]`)
  if (query.inStock !== undefined) where.push(query.inStock ? sql`p.in_stock` : sql`not p.in_stock`)
  where.push(...prices)
  const join =
    query.currency === undefined
      ? sql``
      : sql`join ${t('product_prices')} pr on pr.product_id = p.id and pr.currency = ${query.currency} and pr.status = ${query.status}`
  return sql`select count(*) as total from ${t('products')} p ${join} where ${sql.join(where, sql` and `)}`
}

/** Statuses of orders that count as purchases, as a SQL array. */
export function purchasedStatusesSql(): RawBuilder<string[]> {
  return sql<string[]>`${[...PURCHASED_ORDER_STATUSES]}::text[]`
}
