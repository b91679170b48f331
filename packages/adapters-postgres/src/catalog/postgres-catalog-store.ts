import {
  type CatalogStore,
  ConflictError,
  type KeysetCursor,
  money,
  type NewImage,
  type NewVariant,
  NotFoundError,
  type ProductPatch,
  type ProductStatus,
  ValidationError,
} from '@souk/core'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { mapPostgresError } from '../map-postgres-error.js'
import { transact } from '../transact.js'
import type { CatalogTables } from './catalog-tables.js'
import {
  baseColumnsSql,
  isoMicros,
  listProductsSql,
  type PageRow,
  purchasedStatusesSql,
  summarySql,
} from './list-products-query.js'
import {
  type CategoryRow,
  type ProductRow,
  type ReviewRow,
  type SummaryRow,
  toCategory,
  toReview,
  toStoredProduct,
  toSummary,
  toVariantPricing,
  type VariantPricingRow,
} from './row-mappers.js'

/** The outbox topic the search indexer consumes; the key is the product id. A fixed contract. */
export const SEARCH_PRODUCT_TOPIC = 'search.product'
/** Bought-together looks at this many of the product's most recent order lines. */
const BOUGHT_TOGETHER_WINDOW = 2000

interface DriverError {
  code?: string
  constraint?: string
  detail?: string
}

/** `Key (sku)=(TEE-M) already exists.` → `TEE-M`. */
function keyValue(detail: string | undefined): string | undefined {
  return detail ? /\)=\((.*)\)/.exec(detail)?.[1] : undefined
}

/**
 * Turns the catalog's constraint violations into the errors the port promises; everything else
 * goes through the adapter's general mapping.
 */
function mapCatalogError(
  error: unknown,
  ids: { categoryId?: string | null; sellerId?: string | null },
): unknown {
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError
  switch (e.constraint) {
    case 'products_slug_key':
    case 'categories_slug_key':
    case 'sellers_slug_key': {
      const slug = keyValue(e.detail)
      const message = slug === undefined ? 'Slug is taken' : `Slug ${slug} is taken`
      return new ConflictError(message, { field: 'slug', slug }, { cause: error })
    }
    case 'product_variants_sku_key': {
      const sku = keyValue(e.detail)
      return new ConflictError(
        `SKU ${sku ?? ''} belongs to another product`,
        { field: 'sku', sku },
        { cause: error },
      )
    }
    case 'reviews_product_id_customer_id_key':
      return new ConflictError(
        'This customer has already reviewed this product',
        { field: 'review' },
        { cause: error },
      )
    case 'products_category_id_fkey':
    case 'categories_parent_id_fkey':
      return new NotFoundError('category', String(ids.categoryId ?? keyValue(e.detail) ?? ''))
    case 'products_seller_id_fkey':
      return new NotFoundError('seller', String(ids.sellerId ?? keyValue(e.detail) ?? ''))
    default:
      return mapPostgresError(error)
  }
}

async function mapped<T>(
  work: () => Promise<T>,
  ids: { categoryId?: string | null; sellerId?: string | null } = {},
): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw mapCatalogError(error, ids)
  }
}

const json = (value: unknown) => JSON.stringify(value)

/**
 * The catalog store on Postgres. Product writes run in one transaction that also rewrites the
 * product's per-currency lowest prices and enqueues a `search.product` outbox row; counters
 * (units sold, rating count and sum) change only inside single statements.
 * @param db a Kysely instance or transaction already bound to Souk's schema.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresCatalogStore(db: Kysely<SoukDatabase>, schema: string): CatalogStore {
  const t = (name: string) => sql.id(schema, name)
  const kdb = db as unknown as Kysely<CatalogTables>

  async function insertVariants(
    trx: Kysely<CatalogTables>,
    productId: string,
    variants: readonly NewVariant[],
  ) {
    await trx
      .insertInto('product_variants')
      .values(
        variants.map((v) => ({
          id: v.id,
          product_id: productId,
          sku: v.sku,
          options: json(v.options),
          weight_grams: v.weightGrams,
          position: v.position,
        })),
      )
      .execute()
    await insertPrices(
      trx,
      variants.map((v) => ({ id: v.id, prices: v.prices })),
    )
  }

  async function insertPrices(
    trx: Kysely<CatalogTables>,
    variants: readonly { id: string; prices: NewVariant['prices'] }[],
  ) {
    const rows = variants.flatMap((v) =>
      v.prices.map((p) => ({ variant_id: v.id, currency: p.currency, amount: p.amount })),
    )
    if (rows.length > 0) await trx.insertInto('variant_prices').values(rows).execute()
  }

  async function insertImages(trx: Kysely<CatalogTables>, productId: string, images: readonly NewImage[]) {
    if (images.length === 0) return
    await trx
      .insertInto('product_images')
      .values(
        images.map((i) => ({
          id: i.id,
          product_id: productId,
          url: i.url,
          alt: i.alt,
          position: i.position,
          is_primary: i.primary,
        })),
      )
      .execute()
  }

  /** Rewrites the per-currency lowest prices and enqueues the search update: every product write ends here. */
  async function afterWrite(trx: Kysely<CatalogTables>, productId: string, at: Date) {
    await sql`delete from ${t('product_prices')} where product_id = ${productId}`.execute(trx)
    await sql`insert into ${t('product_prices')} (product_id, currency, min_amount, status)
      select v.product_id, vp.currency, min(vp.amount), p.status
      from ${t('product_variants')} v
      join ${t('variant_prices')} vp on vp.variant_id = v.id
      join ${t('products')} p on p.id = v.product_id
      where v.product_id = ${productId}
      group by v.product_id, vp.currency, p.status`.execute(trx)
    await sql`insert into ${t('outbox')} (topic, key, payload, created_at, available_at)
      values (${SEARCH_PRODUCT_TOPIC}, ${productId}, '{}'::jsonb, ${at}, ${at})`.execute(trx)
  }

  /** Replaces a product's variants, keeping the id of every SKU it keeps. */
  async function replaceVariants(
    trx: Kysely<CatalogTables>,
    productId: string,
    variants: readonly NewVariant[],
  ) {
    const skus = variants.map((v) => v.sku)
    await trx
      .deleteFrom('product_variants')
      .where('product_id', '=', productId)
      .where('sku', 'not in', skus)
      .execute()
    const kept = await trx
      .insertInto('product_variants')
      .values(
        variants.map((v) => ({
          id: v.id,
          product_id: productId,
          sku: v.sku,
          options: json(v.options),
          weight_grams: v.weightGrams,
          position: v.position,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('sku')
          .doUpdateSet((eb) => ({
            options: eb.ref('excluded.options'),
            weight_grams: eb.ref('excluded.weight_grams'),
            position: eb.ref('excluded.position'),
          }))
          // A SKU of another product is not taken over: it simply returns no row.
          .where('product_variants.product_id', '=', productId),
      )
      .returning(['id', 'sku'])
      .execute()
    const idBySku = new Map(kept.map((r) => [r.sku, r.id]))
    const foreign = skus.find((sku) => !idBySku.has(sku))
    if (foreign !== undefined) {
      throw new ConflictError(`SKU ${foreign} belongs to another product`, { field: 'sku', sku: foreign })
    }
    await trx
      .deleteFrom('variant_prices')
      .where('variant_id', 'in', [...idBySku.values()])
      .execute()
    await insertPrices(
      trx,
      variants.map((v) => ({ id: idBySku.get(v.sku)!, prices: v.prices })),
    )
  }

  function categoryPathSql(categoryId: string | null): RawBuilder<string[]> {
    return categoryId === null
      ? sql<string[]>`'{}'::text[]`
      : sql<
          string[]
        >`coalesce((select c.path from ${t('categories')} c where c.id = ${categoryId}), '{}'::text[])`
  }

  function summaries(rows: readonly SummaryRow[], currency: string | null) {
    return rows.map((row) => toSummary(row, currency))
  }

  return {
    insertSeller: (seller) =>
      mapped(async () => {
        await kdb
          .insertInto('sellers')
          .values({ id: seller.id, slug: seller.slug, name: seller.name, created_at: seller.createdAt })
          .execute()
      }),

    insertCategory: (category) =>
      mapped(
        async () => {
          await kdb
            .insertInto('categories')
            .values({
              id: category.id,
              slug: category.slug,
              name: category.name,
              parent_id: category.parentId,
              path: [...category.path],
              position: category.position,
              created_at: category.createdAt,
            })
            .execute()
        },
        { categoryId: category.parentId },
      ),

    getCategory: (id) =>
      mapped(async () => {
        const row = await kdb.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst()
        return row ? toCategory(row as CategoryRow) : null
      }),

    listCategories: () =>
      mapped(async () => {
        const { rows } = await sql<CategoryRow>`select id, slug, name, parent_id, path, position, created_at
          from ${t('categories')} order by cardinality(path), position, name, id`.execute(db)
        return rows.map(toCategory)
      }),

    insertProduct: (product) =>
      mapped(
        () =>
          transact(kdb, async (trx) => {
            await sql`insert into ${t('products')} (id, slug, name, description, status, category_id,
                category_path, seller_id, tags, attributes, primary_currency, created_at, updated_at)
              values (${product.id}, ${product.slug}, ${product.name}, ${product.description}, ${product.status},
                ${product.categoryId}, ${categoryPathSql(product.categoryId)}, ${product.sellerId},
                ${[...product.tags]}::text[], ${json(product.attributes)}::jsonb, ${product.primaryCurrency},
                ${product.createdAt}, ${product.createdAt})`.execute(trx)
            await insertVariants(trx, product.id, product.variants)
            await insertImages(trx, product.id, product.images)
            await afterWrite(trx, product.id, product.createdAt)
          }),
        product,
      ),

    updateProduct: (id, patch: ProductPatch, at) =>
      mapped(
        () =>
          transact(kdb, async (trx) => {
            const { rows } = await sql<{ slug: string; status: ProductStatus }>`
              select slug, status from ${t('products')} where id = ${id} for update`.execute(trx)
            const previous = rows[0]
            if (!previous) return null
            const sets: RawBuilder<unknown>[] = [sql`updated_at = ${at}`]
            if (patch.slug !== undefined) sets.push(sql`slug = ${patch.slug}`)
            if (patch.name !== undefined) sets.push(sql`name = ${patch.name}`)
            if (patch.description !== undefined) sets.push(sql`description = ${patch.description}`)
            if (patch.status !== undefined) sets.push(sql`status = ${patch.status}`)
            if (patch.sellerId !== undefined) sets.push(sql`seller_id = ${patch.sellerId}`)
            if (patch.tags !== undefined) sets.push(sql`tags = ${[...patch.tags]}::text[]`)
            if (patch.attributes !== undefined) sets.push(sql`attributes = ${json(patch.attributes)}::jsonb`)
            if (patch.primaryCurrency !== undefined)
              sets.push(sql`primary_currency = ${patch.primaryCurrency}`)
            if (patch.categoryId !== undefined) {
              sets.push(
                sql`category_id = ${patch.categoryId}`,
                sql`category_path = ${categoryPathSql(patch.categoryId)}`,
              )
            }
            await sql`update ${t('products')} set ${sql.join(sets)} where id = ${id}`.execute(trx)
            if (patch.variants !== undefined) await replaceVariants(trx, id, patch.variants)
            if (patch.images !== undefined) {
              await trx.deleteFrom('product_images').where('product_id', '=', id).execute()
              await insertImages(trx, id, patch.images)
            }
            await afterWrite(trx, id, at)
            return { previousSlug: previous.slug, previousStatus: previous.status }
          }),
        patch,
      ),

    getProduct: (idOrSlug) =>
      mapped(async () => {
        const { rows } = await sql<ProductRow>`
          select p.id, p.slug, p.name, p.description, p.status, p.category_id, p.seller_id, p.tags,
            p.attributes, p.primary_currency, p.units_sold, p.rating_count, p.rating_sum, p.created_at, p.updated_at,
            (select coalesce(jsonb_agg(jsonb_build_object(
                'id', v.id, 'sku', v.sku, 'options', v.options, 'weightGrams', v.weight_grams, 'position', v.position,
                'prices', (select coalesce(jsonb_agg(jsonb_build_array(vp.currency, vp.amount) order by vp.currency), '[]')
                           from ${t('variant_prices')} vp where vp.variant_id = v.id))
              order by v.position, v.id), '[]')
              from ${t('product_variants')} v where v.product_id = p.id) as variants,
            (select coalesce(jsonb_agg(jsonb_build_object(
                'url', i.url, 'alt', i.alt, 'position', i.position, 'primary', i.is_primary)
              order by i.position, i.id), '[]')
              from ${t('product_images')} i where i.product_id = p.id) as images,
            (select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'slug', c.slug, 'name', c.name)
              order by array_position(p.category_path, c.id)), '[]')
              from ${t('categories')} c where c.id = any(p.category_path)) as category_path,
            (select jsonb_build_object('id', s.id, 'slug', s.slug, 'name', s.name, 'createdAt', s.created_at)
              from ${t('sellers')} s where s.id = p.seller_id) as seller
          from ${t('products')} p
          where p.id = ${idOrSlug} or p.slug = ${idOrSlug}
          order by p.id = ${idOrSlug} desc
          limit 1`.execute(db)
        return rows[0] ? toStoredProduct(rows[0]) : null
      }),

    listProducts: (query) =>
      mapped(async () => {
        const { page, count } = listProductsSql(schema, query)
        const [pageResult, countResult] = await Promise.all([
          page.execute(db),
          count ? count.execute(db) : Promise.resolve(null),
        ])
        const rows = pageResult.rows
        const more = rows.length > query.limit
        const shown: PageRow[] = more ? rows.slice(0, query.limit) : rows
        const last = shown.at(-1)
        return {
          items: summaries(shown, query.currency ?? null),
          total: countResult ? Number(countResult.rows[0]!.total) : null,
          next: more && last ? { sort: query.sort, key: last.sort_key, id: last.id } : null,
        }
      }),

    getVariantsBySku: (skus, currency) =>
      mapped(async () => {
        if (skus.length === 0) return []
        const { rows } = await sql<VariantPricingRow>`
          select v.sku, v.id as variant_id, v.product_id, p.slug, p.name, v.options, p.status, vp.amount,
            v.weight_grams, p.seller_id
          from ${t('product_variants')} v
          join ${t('products')} p on p.id = v.product_id
          left join ${t('variant_prices')} vp on vp.variant_id = v.id and vp.currency = ${currency}
          where v.sku = any(${[...skus]}::text[])`.execute(db)
        return rows.map((row) => toVariantPricing(row, currency))
      }),

    addUnitsSold: (lines) =>
      mapped(async () => {
        const bySku = lines.filter((l): l is { sku: string; quantity: number } => 'sku' in l)
        const byProduct = lines.filter((l): l is { productId: string; quantity: number } => 'productId' in l)
        if (bySku.length === 0 && byProduct.length === 0) return
        // Rows are locked in id order first, so concurrent checkouts never deadlock on products.
        await sql`
          with sold as (
            select v.product_id, d.quantity
            from unnest(${bySku.map((l) => l.sku)}::text[], ${bySku.map((l) => l.quantity)}::bigint[]) as d(sku, quantity)
            join ${t('product_variants')} v on v.sku = d.sku
            union all
            select d.product_id, d.quantity
            from unnest(${byProduct.map((l) => l.productId)}::text[], ${byProduct.map((l) => l.quantity)}::bigint[])
              as d(product_id, quantity)
          ),
          totals as (
            select product_id, sum(quantity) as quantity from sold group by product_id having sum(quantity) <> 0
          ),
          locked as (
            select p.id from ${t('products')} p join totals on totals.product_id = p.id order by p.id for update of p
          )
          , updated as (
            -- Reversals (negative quantities) floor at 0: a return of a sale counted before units
            -- sold were tracked, or reset by an import, must not leave a negative popularity.
            update ${t('products')} p set units_sold = greatest(p.units_sold + totals.quantity, 0)
            from totals, locked
            where p.id = totals.product_id and locked.id = p.id
            returning p.id
          )
          -- Popularity is part of the search document: the indexer refreshes it.
          insert into ${t('outbox')} (topic, key, payload, created_at, available_at)
          select ${SEARCH_PRODUCT_TOPIC}, id, '{}'::jsonb, now(), now() from updated`.execute(db)
      }),

    searchDocuments: (ids, currency) =>
      mapped(async () => {
        if (ids.length === 0) return []
        const { rows } = await sql<{
          id: string
          slug: string
          name: string
          description: string
          tags: string[]
          category_path: string[]
          seller_id: string | null
          price: string | number | bigint
          in_stock: boolean
          units_sold: string | number | bigint
          rating_count: number
          rating_sum: number
          created_at: Date
        }>`
          select p.id, p.slug, p.name, p.description, p.tags, p.category_path, p.seller_id,
            x.min_amount as price, p.in_stock, p.units_sold, p.rating_count,
            p.rating_sum, p.created_at
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
          sellerId: r.seller_id,
          price: money(Number(r.price), currency),
          inStock: r.in_stock,
          popularity: Number(r.units_sold),
          rating: r.rating_count > 0 ? Math.round((r.rating_sum / r.rating_count) * 100) / 100 : null,
          createdAt: r.created_at,
        }))
      }),

    listSearchableProductIds: (afterId, limit) =>
      mapped(async () => {
        const { rows } = await sql<{ id: string }>`
          select id from ${t('products')} where status = 'active' and (${afterId}::text is null or id > ${afterId})
          order by id limit ${limit}`.execute(db)
        return rows.map((r) => r.id)
      }),

    countSearchableProducts: () =>
      mapped(async () => {
        const { rows } = await sql<{
          n: string
        }>`select count(*) as n from ${t('products')} where status = 'active'`.execute(db)
        return Number(rows[0]?.n ?? 0)
      }),

    insertReview: (review) =>
      mapped(() =>
        transact(db, async (trx) => {
          // One statement: the insert, the verified flag and the aggregate move together, and the
          // aggregate update re-reads the row it locks, so concurrent reviews never lose a count.
          const { rows } = await sql<ReviewRow>`
          with product as (
            select id from ${t('products')} where id = ${review.productId} and status <> 'draft'
          ),
          inserted as (
            insert into ${t('reviews')} (id, product_id, customer_id, rating, title, body, verified_purchase, created_at)
            select ${review.id}, product.id, ${review.customerId}, ${review.rating}, ${review.title}, ${review.body},
              exists (
                select 1 from ${t('order_lines')} ol
                join ${t('orders')} o on o.id = ol.order_id
                where ol.product_id = product.id and o.customer_id = ${review.customerId}
                  and o.status = any(${purchasedStatusesSql()})),
              ${review.createdAt}
            from product
            returning id, product_id, customer_id, rating, title, body, verified_purchase, created_at
          ),
          aggregate as (
            update ${t('products')} p
            set rating_count = p.rating_count + 1, rating_sum = p.rating_sum + inserted.rating
            from inserted where p.id = inserted.product_id
          )
          select * from inserted`.execute(trx)
          if (!rows[0]) throw new NotFoundError('product', review.productId)
          // The rating is part of the search document.
          await sql`insert into ${t('outbox')} (topic, key, payload, created_at, available_at)
          values (${SEARCH_PRODUCT_TOPIC}, ${review.productId}, '{}'::jsonb, ${review.createdAt}, ${review.createdAt})`.execute(
            trx,
          )
          return toReview(rows[0])
        }),
      ),

    listReviews: (productId, after: KeysetCursor | null, limit) =>
      mapped(async () => {
        if (
          after &&
          (!/^\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(after.key) ||
            !/^[A-Za-z0-9_-]{1,100}$/.test(after.id))
        ) {
          throw new ValidationError('Invalid cursor: not a cursor this API returned', [
            { path: 'cursor', message: 'not a cursor this API returned' },
          ])
        }
        const keyset = after
          ? sql` and (r.created_at, r.id) < (${after.key}::timestamptz, ${after.id})`
          : sql``
        const { rows } = await sql<ReviewRow & { sort_key: string }>`
          select r.id, r.product_id, r.customer_id, r.rating, r.title, r.body, r.verified_purchase, r.created_at,
            ${isoMicros(sql`r.created_at`)} as sort_key
          from ${t('reviews')} r
          where r.product_id = ${productId}${keyset}
          order by r.created_at desc, r.id desc
          limit ${limit + 1}`.execute(db)
        const more = rows.length > limit
        const shown = more ? rows.slice(0, limit) : rows
        const last = shown.at(-1)
        return {
          items: shown.map(toReview),
          next: more && last ? { sort: 'reviews', key: last.sort_key, id: last.id } : null,
        }
      }),

    frequentlyBoughtTogether: (productId, { limit, currency }) =>
      mapped(async () => {
        const inner = sql`
          with mine as (
            select ol.order_id from ${t('order_lines')} ol
            where ol.product_id = ${productId}
            order by ol.order_id desc
            limit ${BOUGHT_TOGETHER_WINDOW}
          ),
          together as (
            select other.product_id, count(distinct other.order_id) as orders
            from mine
            join ${t('orders')} o on o.id = mine.order_id and o.status = any(${purchasedStatusesSql()})
            join ${t('order_lines')} other on other.order_id = mine.order_id
            where other.product_id is not null and other.product_id <> ${productId}
            group by other.product_id
          )
          select ${baseColumnsSql()}, together.orders
          from together join ${t('products')} p on p.id = together.product_id
          where p.status = 'active'
          order by together.orders desc, p.units_sold desc, p.id
          limit ${limit}`
        const { rows } = await summarySql<SummaryRow>(
          schema,
          inner,
          sql`p.orders desc, p.units_sold desc, p.id`,
        ).execute(db)
        return summaries(rows, currency)
      }),

    similarProducts: (productId, { limit, currency }) =>
      mapped(async () => {
        // Within ±20% in integers: 0.8·m ≤ x ≤ 1.2·m  ⇔  4m ≤ 5x ≤ 6m.
        const inner = sql`
          with me as (
            select p.id, p.category_id, p.primary_currency, pp.min_amount
            from ${t('products')} p
            join ${t('product_prices')} pp on pp.product_id = p.id and pp.currency = p.primary_currency
            where p.id = ${productId}
          )
          select ${baseColumnsSql()}
          from me
          join ${t('products')} p on p.category_id = me.category_id and p.status = 'active' and p.id <> me.id
          join ${t('product_prices')} x on x.product_id = p.id and x.currency = me.primary_currency
          where x.min_amount * 5 between me.min_amount * 4 and me.min_amount * 6
          order by p.units_sold desc, p.id desc
          limit ${limit}`
        const { rows } = await summarySql<SummaryRow>(
          schema,
          inner,
          sql`p.units_sold desc, p.id desc`,
        ).execute(db)
        return summaries(rows, currency)
      }),
  }
}
