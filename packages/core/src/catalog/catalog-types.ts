import type { CurrencyCode } from '../money/currencies.js'
import type { Money } from '../money/money.js'
import type { CursorPage } from '../pagination/cursor-page.js'

// Read shapes: what the catalog returns. Inputs live in catalog-schemas.ts.

export type ProductStatus = 'draft' | 'active' | 'archived'

/** Listing orders. `popular` is by units sold; `rating` by average rating (unrated last). */
export type ProductSort = 'newest' | 'price_asc' | 'price_desc' | 'popular' | 'rating'

/** A marketplace seller; products belong to at most one. */
export interface Seller {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly createdAt: Date
}

export interface Category {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly parentId: string | null
  /** Ids from the root down to and including this category. */
  readonly path: readonly string[]
  /** Order among siblings, lowest first. */
  readonly position: number
  readonly createdAt: Date
}

/** A category with its children, as `listCategories` returns the tree. */
export interface CategoryNode extends Category {
  readonly children: readonly CategoryNode[]
}

/** The short form of a category used inside products. */
export interface CategoryRef {
  readonly id: string
  readonly slug: string
  readonly name: string
}

export interface ProductImage {
  readonly url: string
  readonly alt: string
  /** Display order, lowest first. */
  readonly position: number
  /** Exactly one image of a product with images is primary. */
  readonly primary: boolean
}

export interface ProductVariant {
  readonly id: string
  readonly sku: string
  /** Option values, e.g. `{ size: 'M', colour: 'red' }`; `{}` for a product without options. */
  readonly options: Readonly<Record<string, string>>
  /** At most one price per currency, sorted by currency. */
  readonly prices: readonly Money[]
  /**
   * The was-price shown struck through beside the price ("was 30, now 20"): in the currency of one
   * of `prices` and above it. Null when none was set.
   */
  readonly compareAtPrice: Money | null
  readonly weightGrams: number
  /** Display order, lowest first. */
  readonly position: number
}

/**
 * The aggregate of a product's reviews. `count` and `sum` are exact; `average` is `sum / count`
 * rounded to one decimal (null when unrated), for display only.
 */
export interface RatingSummary {
  readonly count: number
  readonly sum: number
  readonly average: number | null
}

/** A product as stored, without the derived views `getProduct` adds. */
export interface Product {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly description: string
  readonly status: ProductStatus
  readonly categoryId: string | null
  readonly sellerId: string | null
  readonly tags: readonly string[]
  readonly attributes: Readonly<Record<string, string>>
  /** Sorted by position. */
  readonly images: readonly ProductImage[]
  /** Sorted by position. */
  readonly variants: readonly ProductVariant[]
  /** The currency of the first variant's first price; the basis of "similar price". */
  readonly primaryCurrency: CurrencyCode
  /** Units sold over all variants, from committed sales. */
  readonly unitsSold: number
  readonly rating: RatingSummary
  readonly createdAt: Date
  readonly updatedAt: Date
}

/**
 * Whether a variant can be bought now. Untracked SKUs (digital goods, services) are always
 * available (`available` null); backorderable SKUs are in stock whatever the count; a SKU the
 * inventory has never heard of is out of stock.
 */
export interface VariantAvailability {
  readonly tracked: boolean
  readonly allowBackorder: boolean
  /** Available units over all locations (never below 0); null when untracked. */
  readonly available: number | null
  readonly inStock: boolean
}

export interface ProductVariantDetail extends ProductVariant {
  /**
   * The price in force in the requested currency at the clock's time (a scheduled price while its
   * window runs, else the regular price); null when none was requested or the variant has none in it.
   */
  readonly price: Money | null
  /**
   * What to show struck through beside `price`: the higher of the compare-at price (same currency)
   * and, while a scheduled price is in force, the regular price; null unless above `price`.
   */
  readonly wasPrice: Money | null
  /** Read live from inventory on every `getProduct`, never from the cache. */
  readonly availability: VariantAvailability
}

/** What `getProduct` returns. */
export interface ProductDetail extends Product {
  readonly variants: readonly ProductVariantDetail[]
  readonly category: CategoryRef | null
  /** The category's ancestors and the category itself, root first; empty without a category. */
  readonly categoryPath: readonly CategoryRef[]
  readonly seller: Seller | null
  /** The lowest variant price in force in the requested currency, or null. */
  readonly price: Money | null
  /** The `wasPrice` of the variant that gives `price`, or null. */
  readonly wasPrice: Money | null
  /** True when any variant is in stock. */
  readonly inStock: boolean
}

/** A product in a listing: enough for a product card. */
export interface ProductSummary {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly status: ProductStatus
  readonly categoryId: string | null
  readonly sellerId: string | null
  readonly tags: readonly string[]
  /**
   * The lowest variant price in force in each currency the product is sold in, sorted by currency.
   * (Price filters and sorts use the regular prices.)
   */
  readonly prices: readonly Money[]
  /** The lowest variant price in force in the query's currency, or null when the query named none. */
  readonly price: Money | null
  /**
   * The was-price of the variant that gives `price` (see `ProductVariantDetail.wasPrice`), or null.
   */
  readonly wasPrice: Money | null
  /** The primary image, or null. */
  readonly image: { readonly url: string; readonly alt: string } | null
  readonly rating: RatingSummary
  readonly unitsSold: number
  /**
   * Any variant in stock (see {@link VariantAvailability}). A cached listing shows a flip once the
   * stock-status applier ran (about a second), or after the listing TTL in other processes with
   * their own memory cache.
   */
  readonly inStock: boolean
  readonly createdAt: Date
}

/** One page of a listing. */
export interface ProductPage {
  readonly items: readonly ProductSummary[]
  /** Products matching the filters over all pages. */
  readonly total: number
  /** Pass to the next call for the following page; null on the last page. */
  readonly nextCursor: string | null
}

export interface Review {
  readonly id: string
  readonly productId: string
  readonly customerId: string
  /** 1 to 5. */
  readonly rating: number
  readonly title: string
  readonly body: string
  /** True when the customer had a confirmed (or later) order containing the product. */
  readonly verifiedPurchase: boolean
  readonly createdAt: Date
}

/** A page of a product's reviews, newest first. */
export type ReviewPage = CursorPage<Review>

export interface Recommendations {
  /** Products most often in the same orders as this one, most frequent first. */
  readonly frequentlyBoughtTogether: readonly ProductSummary[]
  /** Same category, lowest price within ±20% in the product's primary currency, most popular first. */
  readonly similar: readonly ProductSummary[]
}

/**
 * What the cart and checkout need to price a line, by SKU. `price` is null when the variant has
 * no price in the asked currency; `status` lets callers refuse draft and archived products.
 */
export interface VariantPricing {
  readonly sku: string
  readonly variantId: string
  readonly productId: string
  readonly slug: string
  /** The product's name. */
  readonly name: string
  readonly options: Readonly<Record<string, string>>
  readonly status: ProductStatus
  /** The price in force at the time asked (a scheduled price while its window runs, else the regular one). */
  readonly price: Money | null
  /** The variant's regular price in the currency, whatever is scheduled. */
  readonly regularPrice: Money | null
  /** The variant's compare-at price when it is in the asked currency, else null. */
  readonly compareAtPrice: Money | null
  readonly weightGrams: number
  readonly sellerId: string | null
}

/** A quantity sold, by SKU or by product id. */
export type UnitsSoldLine =
  | { readonly sku: string; readonly quantity: number }
  | { readonly productId: string; readonly quantity: number }

/** Order statuses that count as a purchase: verified reviews and frequently-bought-together. */
export const PURCHASED_ORDER_STATUSES = [
  'confirmed',
  'processing',
  'partially_shipped',
  'shipped',
  'delivered',
  'partially_refunded',
  'refunded',
  'return_requested',
  'returned',
] as const
