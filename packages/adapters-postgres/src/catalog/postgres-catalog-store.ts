import {
  type CatalogStore,
  ConflictError,
  type NewImage,
  type NewVariant,
  type ProductStatus,
} from '@souk/core'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { pricedAtSql, scheduledAmountSql } from '../pricing/price-sql.js'
import { transact } from '../transact.js'
import { listProductsSql, type PageRow } from './list-products-query.js'
import { mappedCatalogErrors as mapped } from './map-catalog-error.js'
import { createPostgresCategoryAdmin } from './postgres-category-admin.js'
import {
  type CategoryRow,
  type ProductRow,
  toCategory,
  toStoredProduct,
  toSummary,
  toVariantPricing,
  type VariantPricingRow,
} from './row-mappers.js'
import { enqueueSearchSql, SEARCH_PRODUCT_TOPIC } from './search-outbox.js'

const json = (value: unknown) => JSON.stringify(value)

/**
 * The catalog store on Postgres. Product writes run in one transaction that also rewrites the
 * product's per-currency lowest prices and enqueues a `search.product` outbox row; units sold
 * change only inside single statements.
 * @param db a Kysely instance or transaction already bound to Souk's schema.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresCatalogStore(db: Kysely<SoukDatabase>, schema: string): CatalogStore {
  const t = (name: string) => sql.id(schema, name)

  async function insertVariants(
    trx: Kysely<SoukDatabase>,
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
          compare_at_amount: v.compareAtPrice?.amount ?? null,
          compare_at_currency: v.compareAtPrice?.currency ?? null,
        })),
      )
      .execute()
    await insertPrices(
      trx,
      variants.map((v) => ({ id: v.id, prices: v.prices })),
    )
  }

  async function insertPrices(
    trx: Kysely<SoukDatabase>,
    variants: readonly { id: string; prices: NewVariant['prices'] }[],
  ) {
    const rows = variants.flatMap((v) =>
      v.prices.map((p) => ({ variant_id: v.id, currency: p.currency, amount: p.amount })),
    )
    if (rows.length > 0) await trx.insertInto('variant_prices').values(rows).execute()
  }

  async function insertImages(trx: Kysely<SoukDatabase>, productId: string, images: readonly NewImage[]) {
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
  async function afterWrite(trx: Kysely<SoukDatabase>, productId: string, at: Date) {
    await sql`delete from ${t('product_prices')} where product_id = ${productId}`.execute(trx)
    await sql`insert into ${t('product_prices')} (product_id, currency, min_amount, status)
      select v.product_id, vp.currency, min(vp.amount), p.status
      from ${t('product_variants')} v
      join ${t('variant_prices')} vp on vp.variant_id = v.id
      join ${t('products')} p on p.id = v.product_id
      where v.product_id = ${productId}
      group by v.product_id, vp.currency, p.status`.execute(trx)
    await enqueueSearchSql(schema, productId, at).execute(trx)
  }

  /** Replaces a product's variants, keeping the id of every SKU it keeps. */
  async function replaceVariants(
    trx: Kysely<SoukDatabase>,
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
          compare_at_amount: v.compareAtPrice?.amount ?? null,
          compare_at_currency: v.compareAtPrice?.currency ?? null,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('sku')
          .doUpdateSet((eb) => ({
            options: eb.ref('excluded.options'),
            weight_grams: eb.ref('excluded.weight_grams'),
            position: eb.ref('excluded.position'),
            compare_at_amount: eb.ref('excluded.compare_at_amount'),
            compare_at_currency: eb.ref('excluded.compare_at_currency'),
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

  // FOR SHARE: a category move rewriting paths waits for this write, or this write for the move.
  function categoryPathSql(categoryId: string | null): RawBuilder<string[]> {
    return categoryId === null
      ? sql<string[]>`'{}'::text[]`
      : sql<
          string[]
        >`coalesce((select c.path from ${t('categories')} c where c.id = ${categoryId} for share), '{}'::text[])`
  }

  return {
    ...createPostgresCategoryAdmin(db, schema),

    getSellersBySlug: (slugs) =>
      mapped(async () => {
        if (slugs.length === 0) return []
        const rows = await db
          .selectFrom('sellers')
          .select(['id', 'slug', 'name', 'created_at'])
          .where('slug', 'in', [...slugs])
          .execute()
        return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, createdAt: new Date(r.created_at) }))
      }),

    insertSeller: (seller) =>
      mapped(async () => {
        await db
          .insertInto('sellers')
          .values({ id: seller.id, slug: seller.slug, name: seller.name, created_at: seller.createdAt })
          .execute()
      }),

    insertCategory: (category) =>
      mapped(
        async () => {
          await db
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
        const row = await db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst()
        return row ? toCategory(row) : null
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
          transact(db, async (trx) => {
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

    updateProduct: ({ id, patch, at, expectedSellerId }) =>
      mapped(
        () =>
          transact(db, async (trx) => {
            const { rows } = await sql<{ slug: string; status: ProductStatus; seller_id: string | null }>`
              select slug, status, seller_id from ${t('products')} where id = ${id} for update`.execute(trx)
            const previous = rows[0]
            if (!previous) return null
            // Checked under the lock the write holds: a reassignment waits for this write, or wins before it.
            if (expectedSellerId !== undefined && previous.seller_id !== expectedSellerId) return null
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

    getProduct: ({ idOrSlug, at: asOf }) =>
      mapped(async () => {
        const at = pricedAtSql(asOf)
        const { rows } = await sql<ProductRow>`
          select p.id, p.slug, p.name, p.description, p.status, p.category_id, p.seller_id, p.tags,
            p.attributes, p.primary_currency, p.units_sold, p.rating_count, p.rating_sum, p.created_at, p.updated_at,
            (select coalesce(jsonb_agg(jsonb_build_object(
                'id', v.id, 'sku', v.sku, 'options', v.options, 'weightGrams', v.weight_grams, 'position', v.position,
                'compareAt', case when v.compare_at_amount is not null
                  then jsonb_build_array(v.compare_at_currency, v.compare_at_amount) end,
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
              from ${t('sellers')} s where s.id = p.seller_id) as seller,
            (select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'sku', v.sku, 'variantId', x.variant_id,
                'productId', x.product_id, 'currency', x.currency, 'amount', x.amount, 'startsAt', x.starts_at,
                'endsAt', x.ends_at, 'createdAt', x.created_at) order by x.starts_at, x.id), '[]')
              from ${t('price_schedules')} x join ${t('product_variants')} v on v.id = x.variant_id
              where x.product_id = p.id and (x.ends_at is null or x.ends_at > ${at})) as price_schedules
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
        const changes = shown.flatMap((row) =>
          row.next_price_change ? [Date.parse(String(row.next_price_change))] : [],
        )
        return {
          items: shown.map((row) => toSummary(row, query.currency ?? null)),
          total: countResult ? Number(countResult.rows[0]!.total) : null,
          next: more && last ? { sort: query.sort, key: last.sort_key, id: last.id } : null,
          pricesValidUntil: changes.length > 0 ? new Date(Math.min(...changes)) : null,
        }
      }),

    getVariantsBySku: ({ skus, currency, at }) =>
      mapped(async () => {
        if (skus.length === 0) return []
        const scheduled = scheduledAmountSql(schema, sql`v.id`, sql`${currency}`, pricedAtSql(at))
        const { rows } = await sql<VariantPricingRow>`
          select v.sku, v.id as variant_id, v.product_id, p.slug, p.name, v.options, p.status,
            case when vp.amount is not null then coalesce(${scheduled}, vp.amount) end as amount,
            vp.amount as regular_amount,
            case when v.compare_at_currency = ${currency} then v.compare_at_amount end as compare_at_amount,
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
  }
}
