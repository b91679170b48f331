import {
  type CatalogStore,
  type CategoryChange,
  type CategoryMove,
  type CategoryUpdate,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '@souk/core'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { transact } from '../transact.js'
import { mappedCatalogErrors as mapped } from './map-catalog-error.js'
import { type CategoryRow, toCategory } from './row-mappers.js'
import { SEARCH_PRODUCT_TOPIC } from './search-outbox.js'

type CategoryAdmin = Pick<CatalogStore, 'updateCategory' | 'moveCategory' | 'deleteCategory'>

const COLUMNS = sql`id, slug, name, parent_id, path, position, created_at`

/**
 * Category renames, moves and deletes on Postgres (see the `CatalogStore` port).
 *
 * A move takes `LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE` first: the mode conflicts with
 * itself (and with inserts and updates of categories) but not with reads, so moves run one at a
 * time and each one checks for a cycle against a tree no other move is changing. Locking only the
 * moved row and its new parent would not do: A under a descendant of B, and B under a descendant
 * of A, touch four different rows and together make a cycle. Moves are rare staff operations, so
 * queueing them costs nothing that matters.
 *
 * A product written while a move runs reads its category path under a `FOR SHARE` lock on the
 * category row (see the catalog store), so it either commits before the move rewrites the paths
 * (and is rewritten with them) or waits and reads the new path.
 */
export function createPostgresCategoryAdmin(db: Kysely<SoukDatabase>, schema: string): CategoryAdmin {
  const t = (name: string) => sql.id(schema, name)

  /** Ids of the products in the category's subtree, for cache invalidation. */
  const subtreeProducts = (id: string): RawBuilder<{ id: string }> =>
    sql`select id from ${t('products')} where category_path @> array[${id}]::text[]`

  return {
    updateCategory: ({ id, slug, name, position, at }: CategoryUpdate) =>
      mapped(() =>
        transact(db, async (trx): Promise<CategoryChange | null> => {
          const sets: RawBuilder<unknown>[] = []
          if (slug !== undefined) sets.push(sql`slug = ${slug}`)
          if (name !== undefined) sets.push(sql`name = ${name}`)
          if (position !== undefined) sets.push(sql`position = ${position}`)
          if (sets.length === 0) sets.push(sql`id = id`)
          const { rows } = await sql<CategoryRow>`update ${t('categories')} set ${sql.join(sets)}
            where id = ${id} returning ${COLUMNS}`.execute(trx)
          const row = rows[0]
          if (!row) return null
          if (slug === undefined && name === undefined) return { category: toCategory(row), productIds: [] }
          // Search documents carry their categories' names (suggestions complete them): a rename
          // re-indexes the subtree's products, in the rename's transaction.
          const { rows: products } =
            name === undefined
              ? await subtreeProducts(id).execute(trx)
              : await sql<{ id: string }>`
                  insert into ${t('outbox')} (topic, key, payload, created_at, available_at)
                  select ${SEARCH_PRODUCT_TOPIC}, id, '{}'::jsonb, ${at}, ${at} from ${t('products')}
                  where category_path @> array[${id}]::text[]
                  returning key as id`.execute(trx)
          return { category: toCategory(row), productIds: products.map((p) => p.id) }
        }),
      ),

    moveCategory: (move: CategoryMove) =>
      mapped(
        () =>
          transact(db, async (trx): Promise<CategoryChange | null> => {
            const { id, parentId, position, maxDepth, at } = move
            await sql`lock table ${t('categories')} in share row exclusive mode`.execute(trx)
            const { rows: found } = await sql<{ id: string; path: string[]; deepest: number }>`
              select c.id, c.path,
                (select max(cardinality(d.path)) from ${t('categories')} d where d.path @> array[c.id]::text[])
                  as deepest
              from ${t('categories')} c where c.id = any(${parentId === null ? [id] : [id, parentId]}::text[])`.execute(
              trx,
            )
            const moved = found.find((r) => r.id === id)
            if (!moved) return null
            const parent = parentId === null ? null : found.find((r) => r.id === parentId)
            if (parent === undefined) throw new NotFoundError('category', String(parentId))
            if (parent?.path.includes(id)) {
              throw new ValidationError(
                'Invalid category move: a category cannot go under itself or its descendant',
                [{ path: 'parentId', message: 'is the category itself or one of its descendants' }],
              )
            }
            const prefix = parent?.path ?? []
            const oldDepth = moved.path.length
            const newDeepest = prefix.length + 1 + (Number(moved.deepest) - oldDepth)
            if (newDeepest > maxDepth) {
              throw new ValidationError(`Invalid category move: the tree may be at most ${maxDepth} deep`, [
                { path: 'parentId', message: `the subtree would reach depth ${newDeepest}` },
              ])
            }
            // The subtree's products first: a product write holds its product row and then asks for
            // its category's row (FOR SHARE), so taking categories before products could deadlock.
            await sql`select id from ${t('products')} where category_path @> array[${id}]::text[]
              order by id for update`.execute(trx)
            // Every path in the subtree starts with the moved category's old path: swap that prefix.
            await sql`update ${t('categories')} set
                path = ${prefix}::text[] || path[${oldDepth}:],
                parent_id = case when id = ${id} then ${parentId}::text else parent_id end
                ${position === undefined ? sql`` : sql`, position = case when id = ${id} then ${position}::integer else position end`}
              where path @> array[${id}]::text[]`.execute(trx)
            // Products copy their category's path (listing filters use it), and so do search documents.
            const { rows: products } = await sql<{ key: string }>`
              with moved as (
                update ${t('products')} set category_path = ${prefix}::text[] || category_path[${oldDepth}:]
                where category_path @> array[${id}]::text[]
                returning id
              )
              insert into ${t('outbox')} (topic, key, payload, created_at, available_at)
              select ${SEARCH_PRODUCT_TOPIC}, id, '{}'::jsonb, ${at}, ${at} from moved
              returning key`.execute(trx)
            const { rows } = await sql<CategoryRow>`select ${COLUMNS} from ${t('categories')}
              where id = ${id}`.execute(trx)
            return { category: toCategory(rows[0]!), productIds: products.map((p) => p.key) }
          }),
        { categoryId: move.parentId },
      ),

    deleteCategory: async (id: string) => {
      try {
        return await mapped(async () => {
          const { rows } = await sql<{ id: string }>`
            delete from ${t('categories')} c where c.id = ${id}
              and not exists (select 1 from ${t('categories')} ch where ch.parent_id = ${id})
              and not exists (select 1 from ${t('products')} p where p.category_id = ${id})
            returning c.id`.execute(db)
          if (rows.length > 0) return true
          const { rows: why } = await sql<{ exists: boolean; children: boolean; products: boolean }>`
            select exists (select 1 from ${t('categories')} where id = ${id}) as exists,
              exists (select 1 from ${t('categories')} where parent_id = ${id}) as children,
              exists (select 1 from ${t('products')} where category_id = ${id}) as products`.execute(db)
          const state = why[0]!
          if (!state.exists) return false
          throw notEmpty(id, state.children ? 'children' : 'products')
        })
      } catch (error) {
        // A child or product committed between the checks and the delete: the foreign key refuses.
        if (
          error instanceof NotFoundError &&
          error.details.entity === 'category' &&
          error.details.id === id
        ) {
          const children = (
            await sql<{
              n: number
            }>`select 1 as n from ${t('categories')} where parent_id = ${id} limit 1`.execute(db)
          ).rows
          throw notEmpty(id, children.length > 0 ? 'children' : 'products')
        }
        throw error
      }
    },
  }
}

function notEmpty(id: string, field: 'children' | 'products'): ConflictError {
  const what = field === 'children' ? 'child categories' : 'products'
  return new ConflictError(`Category ${id} still has ${what}; move or delete them first`, {
    field,
    categoryId: id,
  })
}
