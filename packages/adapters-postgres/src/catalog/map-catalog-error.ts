import { ConflictError, NotFoundError } from '@souk/core'
import { mapPostgresError } from '../map-postgres-error.js'

interface DriverError {
  code?: string
  constraint?: string
  detail?: string
}

/** The ids a write named, for a `NotFoundError` that says which category or seller is missing. */
export interface ReferencedIds {
  readonly categoryId?: string | null
  readonly sellerId?: string | null
}

/** `Key (sku)=(TEE-M) already exists.` → `TEE-M`. */
function keyValue(detail: string | undefined): string | undefined {
  return detail ? /\)=\((.*)\)/.exec(detail)?.[1] : undefined
}

/**
 * Turns the catalog tables' constraint violations into the errors the catalog and review ports
 * promise; everything else goes through the adapter's general mapping.
 */
function mapCatalogError(error: unknown, ids: ReferencedIds): unknown {
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

/** Runs `work`, throwing its driver errors as the catalog's domain errors (see mapCatalogError). */
export async function mappedCatalogErrors<T>(work: () => Promise<T>, ids: ReferencedIds = {}): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw mapCatalogError(error, ids)
  }
}
