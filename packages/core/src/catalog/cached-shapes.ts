import type { StoredProduct } from '../ports/catalog-store.js'
import type { PriceSchedule } from '../pricing/price-schedule-types.js'
import type { Category, ProductPage, ProductSummary, Seller } from './catalog-types.js'

// Caches hold JSON (Redis serialises; the memory cache must behave the same), so dates travel as
// ISO strings. Reviving builds new objects, so a caller that mutates a result cannot reach the cache.

type Dated<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]: string }

export type CachedSeller = Dated<Seller, 'createdAt'>
type CachedSchedule = Omit<PriceSchedule, 'startsAt' | 'endsAt' | 'createdAt'> & {
  readonly startsAt: string
  readonly endsAt: string | null
  readonly createdAt: string
}
export type CachedProduct = Omit<
  Dated<StoredProduct, 'createdAt' | 'updatedAt'>,
  'seller' | 'priceSchedules'
> & {
  readonly seller: CachedSeller | null
  /** Absent in entries cached before price schedules existed. */
  readonly priceSchedules?: readonly CachedSchedule[]
}
export type CachedSummary = Dated<ProductSummary, 'createdAt'>
export type CachedPage = Omit<ProductPage, 'items'> & {
  readonly items: readonly CachedSummary[]
  /** When a price on the page changes (ISO-8601); the entry is stale from then. */
  readonly validUntil?: string | null
}
export type CachedCategory = Dated<Category, 'createdAt'>

const copyRecord = (r: Readonly<Record<string, string>>): Record<string, string> => ({ ...r })
const copyMoney = <M extends { amount: number; currency: string }>(m: M) => ({
  amount: m.amount,
  currency: m.currency,
})

export function toCachedProduct(p: StoredProduct): CachedProduct {
  return {
    ...p,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    seller: p.seller && { ...p.seller, createdAt: p.seller.createdAt.toISOString() },
    priceSchedules: p.priceSchedules.map((x) => ({
      ...x,
      startsAt: x.startsAt.toISOString(),
      endsAt: x.endsAt?.toISOString() ?? null,
      createdAt: x.createdAt.toISOString(),
    })),
  }
}

export function fromCachedProduct(c: CachedProduct): StoredProduct {
  return {
    id: c.id,
    slug: c.slug,
    name: c.name,
    description: c.description,
    status: c.status,
    categoryId: c.categoryId,
    sellerId: c.sellerId,
    tags: [...c.tags],
    attributes: copyRecord(c.attributes),
    images: c.images.map((i) => ({ url: i.url, alt: i.alt, position: i.position, primary: i.primary })),
    variants: c.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      options: copyRecord(v.options),
      prices: v.prices.map(copyMoney),
      compareAtPrice: v.compareAtPrice ? copyMoney(v.compareAtPrice) : null,
      weightGrams: v.weightGrams,
      position: v.position,
    })),
    primaryCurrency: c.primaryCurrency,
    unitsSold: c.unitsSold,
    rating: { ...c.rating },
    createdAt: new Date(c.createdAt),
    updatedAt: new Date(c.updatedAt),
    category: c.category && { ...c.category },
    categoryPath: c.categoryPath.map((r) => ({ ...r })),
    seller: c.seller && { ...c.seller, createdAt: new Date(c.seller.createdAt) },
    priceSchedules: (c.priceSchedules ?? []).map((x) => ({
      ...x,
      price: copyMoney(x.price),
      startsAt: new Date(x.startsAt),
      endsAt: x.endsAt === null ? null : new Date(x.endsAt),
      createdAt: new Date(x.createdAt),
    })),
  }
}

export function toCachedSummary(s: ProductSummary): CachedSummary {
  return { ...s, createdAt: s.createdAt.toISOString() }
}

export function fromCachedSummary(c: CachedSummary): ProductSummary {
  return {
    ...c,
    tags: [...c.tags],
    prices: c.prices.map(copyMoney),
    price: c.price && copyMoney(c.price),
    wasPrice: c.wasPrice ? copyMoney(c.wasPrice) : null,
    image: c.image && { ...c.image },
    rating: { ...c.rating },
    createdAt: new Date(c.createdAt),
  }
}

export function toCachedPage(p: ProductPage): CachedPage {
  return { ...p, items: p.items.map(toCachedSummary) }
}

export function fromCachedPage(c: CachedPage): ProductPage {
  return { total: c.total, nextCursor: c.nextCursor, items: c.items.map(fromCachedSummary) }
}

export function toCachedCategory(c: Category): CachedCategory {
  return { ...c, createdAt: c.createdAt.toISOString() }
}

export function fromCachedCategory(c: CachedCategory): Category {
  return { ...c, path: [...c.path], createdAt: new Date(c.createdAt) }
}
