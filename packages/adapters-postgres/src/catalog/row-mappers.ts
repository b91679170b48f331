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
}

export function toSummary(row: SummaryRow, currency: CurrencyCode | null | undefined): ProductSummary {
  const prices = toPrices(row.prices)
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
}

interface VariantJson {
  id: string
  sku: string
  options: Record<string, string>
  weightGrams: number
  position: number
  prices: [string, Int8Value][]
}

export function toStoredProduct(row: ProductRow): StoredProduct {
  const variants = parseJson<VariantJson[]>(row.variants).map((v) => ({
    id: v.id,
    sku: v.sku,
    options: v.options,
    prices: toPrices(v.prices),
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
  amount: Int8Value | null
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
    price: row.amount === null ? null : money(Number(row.amount), currency),
    weightGrams: row.weight_grams,
    sellerId: row.seller_id,
  }
}
