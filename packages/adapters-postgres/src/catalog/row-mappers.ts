import {
  type Category,
  type CategoryRef,
  type CurrencyCode,
  type Money,
  money,
  type ProductStatus,
  type ProductSummary,
  type RatingSummary,
  type Review,
  type Seller,
  type StoredProduct,
  type VariantPricing,
} from '@souk/core'
import { parseJson } from '../inventory/row-mappers.js'

type Int8Value = string | number | bigint
type DateValue = Date | string

/** pg returns timestamptz as Date; a pooler or JSON may hand back text. */
export function toDate(value: DateValue): Date {
  return value instanceof Date ? value : new Date(value)
}

/** `count` and `sum` are exact; `average` is rounded to one decimal, for display. */
export function toRating(count: number | string, sum: number | string): RatingSummary {
  const c = Number(count)
  const s = Number(sum)
  return { count: c, sum: s, average: c === 0 ? null : Math.round((s * 10) / c) / 10 }
}

/** Prices travel from SQL as `[[currency, amount], ...]`. */
function toPrices(json: unknown): Money[] {
  return parseJson<[string, Int8Value][]>(json).map(([currency, amount]) =>
    money(Number(amount), currency.trim()),
  )
}

/** Summary prices travel as `[[currency, amount in force, was amount | null], ...]`. */
function toSummaryPrices(json: unknown): { prices: Money[]; was: Map<string, Money> } {
  const entries = parseJson<[string, Int8Value, Int8Value | null | undefined][]>(json)
  const was = new Map<string, Money>()
  const prices = entries.map(([raw, amount, wasAmount]) => {
    const currency = raw.trim()
    if (wasAmount !== null && wasAmount !== undefined) was.set(currency, money(Number(wasAmount), currency))
    return money(Number(amount), currency)
  })
  return { prices, was }
}

const money0 = (amount: Int8Value | null | undefined, currency: string): Money | null =>
  amount === null || amount === undefined ? null : money(Number(amount), currency)

export interface SellerRow {
  id: string
  slug: string
  name: string
  created_at: DateValue
}

export function toSeller(row: SellerRow): Seller {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: toDate(row.created_at) }
}

export interface CategoryRow {
  id: string
  slug: string
  name: string
  parent_id: string | null
  path: string[]
  position: number
  created_at: DateValue
}

export function toCategory(row: CategoryRow): Category {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    parentId: row.parent_id,
    path: row.path,
    position: row.position,
    createdAt: toDate(row.created_at),
  }
}

/** The columns `summaryColumns` selects. */
export interface SummaryRow {
  id: string
  slug: string
  name: string
  status: ProductStatus
  category_id: string | null
  seller_id: string | null
  tags: string[]
  units_sold: Int8Value
  rating_count: number
  rating_sum: number
  created_at: DateValue
  prices: unknown
  image: unknown
  in_stock: boolean
  /** When a shown price changes next (a schedule of the product starts or ends), or null. */
  next_price_change?: DateValue | null
}

export function toSummary(row: SummaryRow, currency: CurrencyCode | null | undefined): ProductSummary {
  const { prices, was } = toSummaryPrices(row.prices)
  const image = parseJson<[string, string] | null>(row.image)
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    categoryId: row.category_id,
    sellerId: row.seller_id,
    tags: row.tags,
    prices,
    price: prices.find((p) => p.currency === currency) ?? null,
    wasPrice: currency ? (was.get(currency) ?? null) : null,
    image: image && { url: image[0], alt: image[1] },
    rating: toRating(row.rating_count, row.rating_sum),
    unitsSold: Number(row.units_sold),
    inStock: row.in_stock,
    createdAt: toDate(row.created_at),
  }
}

/** The row `productSql` builds: the product with its children as JSON. */
export interface ProductRow {
  id: string
  slug: string
  name: string
  description: string
  status: ProductStatus
  category_id: string | null
  seller_id: string | null
  tags: string[]
  attributes: unknown
  primary_currency: string | null
  units_sold: Int8Value
  rating_count: number
  rating_sum: number
  created_at: DateValue
  updated_at: DateValue
  variants: unknown
  images: unknown
  category_path: unknown
  seller: unknown
  /** Schedules not ended at the time asked (migration 013). */
  price_schedules?: unknown
}

interface ScheduleJson {
  id: string
  sku: string
  variantId: string
  productId: string
  currency: string
  amount: Int8Value
  startsAt: string
  endsAt: string | null
  createdAt: string
}

interface VariantJson {
  id: string
  sku: string
  options: Record<string, string>
  weightGrams: number
  position: number
  prices: [string, Int8Value][]
  compareAt?: [string, Int8Value] | null
}

export function toStoredProduct(row: ProductRow): StoredProduct {
  const variants = parseJson<VariantJson[]>(row.variants).map((v) => ({
    id: v.id,
    sku: v.sku,
    options: v.options,
    prices: toPrices(v.prices),
    compareAtPrice: v.compareAt ? money(Number(v.compareAt[1]), v.compareAt[0].trim()) : null,
    weightGrams: v.weightGrams,
    position: v.position,
  }))
  const categoryPath = parseJson<CategoryRef[]>(row.category_path)
  const seller = parseJson<{ id: string; slug: string; name: string; createdAt: string } | null>(row.seller)
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    status: row.status,
    categoryId: row.category_id,
    sellerId: row.seller_id,
    tags: row.tags,
    attributes: parseJson<Record<string, string>>(row.attributes),
    images: parseJson<StoredProduct['images'][number][]>(row.images),
    variants,
    primaryCurrency: row.primary_currency?.trim() ?? variants[0]?.prices[0]?.currency ?? '',
    unitsSold: Number(row.units_sold),
    rating: toRating(row.rating_count, row.rating_sum),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    category: categoryPath.at(-1) ?? null,
    categoryPath,
    seller: seller && { ...seller, createdAt: toDate(seller.createdAt) },
    priceSchedules: parseJson<ScheduleJson[]>(row.price_schedules ?? []).map((x) => ({
      id: x.id,
      sku: x.sku,
      variantId: x.variantId,
      productId: x.productId,
      price: money(Number(x.amount), x.currency.trim()),
      startsAt: toDate(x.startsAt),
      endsAt: x.endsAt === null ? null : toDate(x.endsAt),
      createdAt: toDate(x.createdAt),
    })),
  }
}

export interface ReviewRow {
  id: string
  product_id: string
  customer_id: string
  rating: number
  title: string
  body: string
  verified_purchase: boolean
  created_at: DateValue
}

export function toReview(row: ReviewRow): Review {
  return {
    id: row.id,
    productId: row.product_id,
    customerId: row.customer_id,
    rating: Number(row.rating),
    title: row.title,
    body: row.body,
    verifiedPurchase: row.verified_purchase,
    createdAt: toDate(row.created_at),
  }
}

export interface VariantPricingRow {
  sku: string
  variant_id: string
  product_id: string
  slug: string
  name: string
  options: unknown
  status: ProductStatus
  /** The price in force at the time asked. */
  amount: Int8Value | null
  /** The regular price (migration 013); absent from older readers: then `amount`. */
  regular_amount?: Int8Value | null
  /** The compare-at amount when in the asked currency (migration 013). */
  compare_at_amount?: Int8Value | null
  weight_grams: number
  seller_id: string | null
}

export function toVariantPricing(row: VariantPricingRow, currency: CurrencyCode): VariantPricing {
  return {
    sku: row.sku,
    variantId: row.variant_id,
    productId: row.product_id,
    slug: row.slug,
    name: row.name,
    options: parseJson<Record<string, string>>(row.options),
    status: row.status,
    price: money0(row.amount, currency),
    regularPrice: money0(row.regular_amount === undefined ? row.amount : row.regular_amount, currency),
    compareAtPrice: money0(row.compare_at_amount, currency),
    weightGrams: row.weight_grams,
    sellerId: row.seller_id,
  }
}
