import { z } from 'zod'
import type { Clock } from '../clock/clock.js'
import { ConfigError, NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { InventoryItem, StockLevel } from '../inventory/inventory-types.js'
import type { Logger } from '../logger/logger.js'
import type { CurrencyCode } from '../money/currencies.js'
import type { Money } from '../money/money.js'
import { afterCursor, toCursorPage } from '../pagination/cursor-page.js'
import { encodeCursor } from '../pagination/keyset-cursor.js'
import type { Cache } from '../ports/cache.js'
import type {
  CatalogStore,
  NewImage,
  NewVariant,
  ProductPatch,
  StoredProduct,
} from '../ports/catalog-store.js'
import type { InventoryStore } from '../ports/inventory-store.js'
import type { RecommendationStore } from '../ports/recommendation-store.js'
import type { ReviewStore } from '../ports/review-store.js'
import type { Storage, StorageStores } from '../ports/storage.js'
import { scheduleInForce, wasPriceOf } from '../pricing/price-in-force.js'
import { parseConfig } from '../validation/parse-config.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type CachedCategory,
  type CachedPage,
  type CachedProduct,
  type CachedSummary,
  fromCachedCategory,
  fromCachedPage,
  fromCachedProduct,
  fromCachedSummary,
  toCachedCategory,
  toCachedPage,
  toCachedProduct,
  toCachedSummary,
} from './cached-shapes.js'
import { createCatalogCache } from './catalog-cache.js'
import type { CatalogEvent } from './catalog-events.js'
import {
  type AddReviewInput,
  type ArchiveProductInput,
  addReviewSchema,
  archiveProductSchema,
  type CategoryRefInput,
  type CreateCategoryInput,
  type CreateProductInput,
  type CreateSellerInput,
  categoryRefSchema,
  createCategorySchema,
  createProductSchema,
  createSellerSchema,
  DEFAULT_SIMILAR_PRICE_BAND_PERCENT,
  type GetProductInput,
  getProductSchema,
  type imageInputSchema,
  type ListProductsInput,
  type ListReviewsInput,
  listProductsSchema,
  listReviewsSchema,
  MAX_CATEGORY_DEPTH,
  MAX_PAGE_SIZE,
  type MoveCategoryInput,
  moveCategorySchema,
  type RecommendationsInput,
  type RecordSaleInput,
  recommendationsSchema,
  recordSaleSchema,
  similarPriceBandSchema,
  slugSchema,
  type UpdateCategoryInput,
  type UpdateProductInput,
  updateCategorySchema,
  updateProductSchema,
  type VariantsBySkuInput,
  type variantInputSchema,
  variantsBySkuSchema,
  type WarmInput,
  warmSchema,
} from './catalog-schemas.js'
import type {
  Category,
  CategoryNode,
  Product,
  ProductDetail,
  ProductPage,
  Recommendations,
  Review,
  ReviewPage,
  Seller,
  VariantAvailability,
  VariantPricing,
} from './catalog-types.js'
import type { StockStatusApplier, StockStatusSyncOptions } from './stock-status-applier.js'
import type { UnitsSoldApplier, UnitsSoldSyncOptions } from './units-sold-applier.js'

/** How long a product read stays cached when the config names no TTL: 5 minutes. */
export const DEFAULT_PRODUCT_TTL_MS = 5 * 60 * 1000
/** How long a listing (and the category tree, recommendations) stays cached by default: 1 minute. */
export const DEFAULT_LISTING_TTL_MS = 60 * 1000
/** Products loaded at once by `warm`. */
const WARM_CONCURRENCY = 8

export interface CatalogServiceDeps {
  /** Sellers, categories and products. */
  readonly catalog: CatalogStore
  readonly reviews: ReviewStore
  readonly recommendations: RecommendationStore
  /** Where per-variant availability comes from; only read. */
  readonly inventory: Pick<InventoryStore, 'getItems' | 'getLevels'>
  readonly cache: Cache
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
  /** TTL of cached product reads. Default 5 minutes. */
  readonly productTtlMs?: number
  /**
   * TTL of cached listings, the category tree and recommendations. Product writes invalidate them
   * at once, and a product's in-stock flag flipping within a poll of the stock-status applier
   * (see `syncStockStatus`); sales and reviews reach them when the TTL ends. Default 1 minute.
   */
  readonly listingTtlMs?: number
  /**
   * How far, in whole percent (0 to 100), a similar product's lowest price may lie from the
   * product's in `recommendations`, both in the product's primary currency. Default 20 (±20%).
   */
  readonly similarPriceBandPercent?: number
  /**
   * Applies `catalog.units_sold` outbox messages for `syncUnitsSold`; `createCommerce` passes its
   * applier. Without it, `syncUnitsSold` throws `ConfigError`.
   */
  readonly unitsSold?: Pick<UnitsSoldApplier, 'sync'>
  /**
   * Applies `catalog.stock_status` outbox messages for `syncStockStatus`; `createCommerce` passes
   * its applier. Without it, `syncStockStatus` throws `ConfigError`.
   */
  readonly stockStatus?: Pick<StockStatusApplier, 'sync'>
  /**
   * Storage's unit of work: product and review writes then commit their domain events to the
   * outbox with them, for durable subscribers. Without it, catalog events are in-process only.
   */
  readonly transaction?: Storage['transaction']
}

/** `commerce.catalog`: sellers, categories, products, reviews and recommendations. */
export interface CatalogService {
  /** Throws `ConflictError` for a taken slug. */
  createSeller(input: CreateSellerInput): Promise<Seller>
  /** Throws `NotFoundError` for an unknown parent, `ConflictError` for a taken slug. */
  createCategory(input: CreateCategoryInput): Promise<Category>
  /** The whole tree: roots with their children, each level by position then name. Cached. */
  listCategories(): Promise<CategoryNode[]>
  /**
   * Renames a category (slug, name) or changes its position among siblings. Throws `NotFoundError`,
   * `ConflictError` (details `{ field: 'slug' }`) for a taken slug. Cached reads of its products
   * and the tree are dropped.
   */
  updateCategory(input: UpdateCategoryInput): Promise<Category>
  /**
   * Moves a category with its whole subtree under `parentId` (null: to the root). Its products'
   * category paths follow in the same transaction, with a search outbox message each, so listing
   * filters at once and search (after the indexer's next sync) find them under the new ancestors.
   * Throws `NotFoundError` for an unknown category or parent, `ValidationError` (path `parentId`)
   * for a move under itself or a descendant, or past `MAX_CATEGORY_DEPTH`.
   */
  moveCategory(input: MoveCategoryInput): Promise<Category>
  /**
   * Deletes an empty category. Refuses with `ConflictError` (details `{ field: 'children' }` or
   * `{ field: 'products' }`) while it has child categories or products of any status: move or
   * delete those first (nothing is re-parented implicitly). Throws `NotFoundError` for an unknown id.
   */
  deleteCategory(input: CategoryRefInput): Promise<void>
  /** Sellers by slug (at most 500); unknown slugs are absent. */
  getSellersBySlug(input: { readonly slugs: readonly string[] }): Promise<Seller[]>
  /**
   * Creates a product (status `draft` unless given). Throws `ConflictError` (details
   * `{ field: 'slug' | 'sku' }`) for a taken slug or SKU, `NotFoundError` for an unknown category
   * or seller. Emits `product.created`.
   */
  createProduct(input: CreateProductInput): Promise<Product>
  /**
   * Changes the given fields; `variants` and `images`, when given, replace the current ones (a
   * variant keeps its id while its SKU stays). Every read started after this returns sees the
   * change. Emits `product.updated`, and `product.archived` when it archives.
   */
  updateProduct(input: UpdateProductInput): Promise<Product>
  /**
   * Sets status `archived`: gone from listings, still readable by id. Emits `product.archived`.
   * With `expectedSellerId`, another seller's product answers `not_found` (as in `updateProduct`).
   */
  archiveProduct(input: ArchiveProductInput): Promise<Product>
  /**
   * A product by `productId` or by `slug` (exactly one), any status, with category path, seller,
   * rating summary, prices in `currency` and live per-variant availability. Served from the cache
   * when it can be. Throws `NotFoundError`.
   */
  getProduct(input: GetProductInput): Promise<ProductDetail>
  /** A page of products matching the filters, in a stable keyset order. Served from the cache when it can be. */
  listProducts(query?: ListProductsInput): Promise<ProductPage>
  /**
   * One review per customer per product (`ConflictError` for a second). Verified when the customer
   * has a confirmed or later order containing the product. Emits `review.created`.
   */
  addReview(input: AddReviewInput): Promise<Review>
  /** A page of a product's reviews, newest first. Throws `NotFoundError` for an unknown product. */
  listReviews(input: ListReviewsInput): Promise<ReviewPage>
  /**
   * Frequently bought together, and similar products: the same category, lowest price within
   * `similarPriceBandPercent` (default ±20%) in the product's primary currency. Active products
   * only. Cached.
   */
  recommendations(input: RecommendationsInput): Promise<Recommendations>
  /**
   * Pricing of SKUs in one currency for carts and checkout, in one query, never cached: unknown
   * SKUs are absent; `status` and a null `price` tell the caller what it cannot sell.
   */
  getVariantsBySku(input: VariantsBySkuInput): Promise<VariantPricing[]>
  /**
   * Adds committed sales to units sold (popularity) in one statement, at once. Checkout,
   * cancellations and returns write `catalog.units_sold` outbox messages instead (see
   * `syncUnitsSold`); this is for sales recorded elsewhere.
   */
  recordSale(input: RecordSaleInput): Promise<void>
  /**
   * Applies the units sold waiting in the outbox now (sales confirmed by checkout, reversals by
   * cancellations and returns) instead of waiting for the background applier, which runs every
   * `unitsSold.intervalMs` (default 1 s). Returns how many outbox messages it applied.
   */
  syncUnitsSold(options?: UnitsSoldSyncOptions): Promise<{ readonly applied: number }>
  /**
   * Drops cached listings now for the in-stock flips waiting in the outbox (written by storage when
   * a product's last sellable variant sells out or one comes back), instead of waiting for the
   * background applier, which runs every `stockStatus.intervalMs` (default 1 s). Returns how many
   * outbox messages it applied.
   */
  syncStockStatus(options?: StockStatusSyncOptions): Promise<{ readonly applied: number }>
  /** Loads the `count` most popular active products into the cache. Returns how many it loaded. */
  warm(input: WarmInput): Promise<{ warmed: number }>
}

type ParsedVariant = z.output<typeof variantInputSchema>
type ParsedImage = z.output<typeof imageInputSchema>

function normaliseImages(images: readonly ParsedImage[], ids: IdGenerator): NewImage[] {
  const ordered = images
    .map((image, index) => ({ image, position: image.position ?? index, index }))
    .sort((a, b) => a.position - b.position || a.index - b.index)
  const primaryAt = Math.max(
    0,
    ordered.findIndex((o) => o.image.primary),
  )
  return ordered.map((o, i) => ({
    id: ids('img'),
    url: o.image.url,
    alt: o.image.alt,
    position: o.position,
    primary: i === primaryAt,
  }))
}

function toNewVariants(variants: readonly ParsedVariant[], ids: IdGenerator): NewVariant[] {
  return variants.map((v, position) => ({
    id: ids('var'),
    sku: v.sku,
    options: v.options,
    prices: [...v.prices].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
    compareAtPrice: v.compareAtPrice,
    weightGrams: v.weightGrams,
    position,
  }))
}

function toProduct(p: StoredProduct): Product {
  const {
    category: _category,
    categoryPath: _path,
    seller: _seller,
    priceSchedules: _schedules,
    ...product
  } = p
  return product
}

function availabilityOf(
  sku: string,
  items: ReadonlyMap<string, InventoryItem>,
  levels: readonly StockLevel[],
): VariantAvailability {
  const item = items.get(sku)
  if (!item) return { tracked: true, allowBackorder: false, available: 0, inStock: false }
  if (!item.tracked)
    return { tracked: false, allowBackorder: item.allowBackorder, available: null, inStock: true }
  const total = levels.reduce((sum, l) => (l.sku === sku ? sum + l.available : sum), 0)
  const available = Math.max(0, total)
  return {
    tracked: true,
    allowBackorder: item.allowBackorder,
    available,
    inStock: available > 0 || item.allowBackorder,
  }
}

function priceIn(prices: readonly Money[], currency: CurrencyCode | undefined): Money | null {
  if (currency === undefined) return null
  const price = prices.find((p) => p.currency === currency)
  return price ? { amount: price.amount, currency: price.currency } : null
}

function buildTree(categories: readonly Category[]): CategoryNode[] {
  const children = new Map<string | null, Category[]>()
  for (const c of categories) {
    const siblings = children.get(c.parentId) ?? []
    siblings.push(c)
    children.set(c.parentId, siblings)
  }
  const build = (parentId: string | null): CategoryNode[] =>
    (children.get(parentId) ?? [])
      .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1))
      .map((c) => ({ ...c, children: build(c.id) }))
  return build(null)
}

/**
 * The catalog service over a store, the inventory it reads availability from, and a cache. Every
 * public method validates its input (`ValidationError`, nothing changed) and publishes its events
 * after the store's transaction commits and the cache has been invalidated.
 */
export function createCatalogService(deps: CatalogServiceDeps): CatalogService {
  const { catalog: store, reviews, recommendations, inventory, clock, ids, events, logger } = deps
  const productTtl = deps.productTtlMs ?? DEFAULT_PRODUCT_TTL_MS
  const { similarPriceBandPercent: priceBandPercent } = parseConfig(
    z.object({ similarPriceBandPercent: similarPriceBandSchema.default(DEFAULT_SIMILAR_PRICE_BAND_PERCENT) }),
    { similarPriceBandPercent: deps.similarPriceBandPercent },
    'catalog service config',
  )
  const listingTtl = deps.listingTtlMs ?? DEFAULT_LISTING_TTL_MS
  const cache = createCatalogCache(deps.cache, logger)

  /**
   * Read-through by id under the product's generation (see CatalogCache). `warm` starts the
   * generation up front so that its read is cached at once.
   */
  async function productById(id: string, startGeneration = false): Promise<StoredProduct | null> {
    const generation = await cache.productGeneration(id, startGeneration)
    // The store reads by id, else by slug: a slug-shaped custom id may find another product's slug.
    const storedById = async () => {
      const stored = await store.getProduct({ idOrSlug: id, at: clock.now() })
      return stored && stored.id === id ? stored : null
    }
    if (generation === null) {
      const stored = await storedById()
      // This read began before any generation existed, so it is not cached; the next one is.
      if (stored && !startGeneration) await cache.productGeneration(id, true)
      return stored
    }
    const key = cache.productKey(id, generation)
    const cached = await cache.get<CachedProduct>(key)
    if (cached) return fromCachedProduct(cached)
    const stored = await storedById()
    if (stored) await cache.set(key, toCachedProduct(stored), productTtl)
    return stored
  }

  async function productBySlug(slug: string): Promise<StoredProduct | null> {
    const mappedId = await cache.get<string>(cache.slugKey(slug))
    if (typeof mappedId === 'string') {
      const product = await productById(mappedId)
      // The mapping may be stale (the slug moved); the product itself never is.
      if (product && product.slug === slug) return product
    }
    const stored = await store.getProduct({ idOrSlug: slug, at: clock.now() })
    // A product whose id is this text is not the product with this slug.
    if (!stored || stored.slug !== slug) return null
    await cache.set(cache.slugKey(slug), stored.id, productTtl)
    return stored
  }

  async function requireProduct(
    ref: { readonly productId: string; readonly slug?: undefined } | { readonly slug: string },
  ): Promise<StoredProduct> {
    const product = ref.slug === undefined ? await productById(ref.productId) : await productBySlug(ref.slug)
    if (!product) throw new NotFoundError('product', ref.slug ?? ref.productId)
    return product
  }

  async function freshProduct(id: string): Promise<Product> {
    const product = await store.getProduct({ idOrSlug: id })
    if (!product) throw new NotFoundError('product', id)
    return toProduct(product)
  }

  /**
   * Runs a catalog write; with `deps.transaction`, the events it produced are written to the outbox
   * in the same transaction. Returns the write's result and its events, to publish in process.
   */
  async function writeWithEvents<T>(
    write: (stores: Pick<StorageStores, 'catalog' | 'reviews'>) => Promise<T>,
    eventsOf: (result: T) => CatalogEvent[],
  ): Promise<{ result: T; events: CatalogEvent[] }> {
    const transaction = deps.transaction
    if (!transaction) {
      const result = await write({ catalog: store, reviews })
      return { result, events: eventsOf(result) }
    }
    return transaction(async (stores) => {
      const result = await write(stores)
      const events = eventsOf(result)
      if (events.length > 0) {
        await stores.outbox.enqueue({
          messages: events.map((e) => outboxEvent(e, ids('evt'), e.productId)),
          now: clock.now(),
        })
      }
      return { result, events }
    })
  }

  async function afterProductWrite(id: string, slugs: readonly string[]): Promise<void> {
    await cache.invalidateProduct(id, slugs)
    await cache.invalidateListings()
  }

  /** Products' cached reads show their category path (ids, slugs, names); listings filter by it. */
  async function afterCategoryWrite(productIds: readonly string[]): Promise<void> {
    await cache.invalidateListings()
    for (let i = 0; i < productIds.length; i += WARM_CONCURRENCY * 4) {
      await Promise.all(
        productIds.slice(i, i + WARM_CONCURRENCY * 4).map((id) => cache.invalidateProduct(id, [])),
      )
    }
  }

  async function update(
    productId: string,
    patch: Omit<z.output<typeof updateProductSchema>, 'productId' | 'expectedSellerId'>,
    event: 'updated' | 'archived',
    expectedSellerId?: string,
  ): Promise<Product> {
    const now = clock.now()
    const { variants, images, ...fields } = patch
    const storePatch: ProductPatch = {
      ...fields,
      ...(variants
        ? { variants: toNewVariants(variants, ids), primaryCurrency: variants[0]!.prices[0]!.currency }
        : {}),
      ...(images ? { images: normaliseImages(images, ids) } : {}),
    }
    const fieldNames = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined)
    const { result, events: written } = await writeWithEvents(
      ({ catalog }) =>
        catalog.updateProduct({
          id: productId,
          patch: storePatch,
          at: now,
          ...(expectedSellerId === undefined ? {} : { expectedSellerId }),
        }),
      (result): CatalogEvent[] => {
        if (!result) return []
        const slug = patch.slug ?? result.previousSlug
        const changed: CatalogEvent[] = []
        if (event === 'updated')
          changed.push({ type: 'product.updated', productId, slug, fields: fieldNames, occurredAt: now })
        if (patch.status === 'archived' && (event === 'archived' || result.previousStatus !== 'archived'))
          changed.push({ type: 'product.archived', productId, slug, occurredAt: now })
        return changed
      },
    )
    if (!result) throw new NotFoundError('product', productId)
    const slugs = [
      result.previousSlug,
      ...(patch.slug && patch.slug !== result.previousSlug ? [patch.slug] : []),
    ]
    await afterProductWrite(productId, slugs)
    const product = await freshProduct(productId)
    for (const e of written) events.emit(e)
    return product
  }

  return {
    async createSeller(input) {
      const parsed = parseInput(createSellerSchema, input, 'seller')
      const seller: Seller = { id: ids('sel'), ...parsed, createdAt: clock.now() }
      await store.insertSeller(seller)
      return seller
    },

    async createCategory(input) {
      const parsed = parseInput(createCategorySchema, input, 'category')
      const id = ids('cat')
      let path = [id]
      if (parsed.parentId !== null) {
        const parent = await store.getCategory(parsed.parentId)
        if (!parent) throw new NotFoundError('category', parsed.parentId)
        if (parent.path.length >= MAX_CATEGORY_DEPTH) {
          throw new ValidationError(`Invalid category: the tree may be at most ${MAX_CATEGORY_DEPTH} deep`, [
            { path: 'parentId', message: `parent is already at depth ${parent.path.length}` },
          ])
        }
        path = [...parent.path, id]
      }
      const category: Category = { id, ...parsed, path, createdAt: clock.now() }
      await store.insertCategory(category)
      await cache.invalidateListings()
      return category
    },

    async updateCategory(input) {
      const { categoryId, ...patch } = parseInput(updateCategorySchema, input, 'category update')
      const change = await store.updateCategory({ id: categoryId, ...patch, at: clock.now() })
      if (!change) throw new NotFoundError('category', categoryId)
      await afterCategoryWrite(change.productIds)
      return change.category
    },

    async moveCategory(input) {
      const { categoryId, parentId, position } = parseInput(moveCategorySchema, input, 'category move')
      const change = await store.moveCategory({
        id: categoryId,
        parentId,
        position,
        maxDepth: MAX_CATEGORY_DEPTH,
        at: clock.now(),
      })
      if (!change) throw new NotFoundError('category', categoryId)
      await afterCategoryWrite(change.productIds)
      return change.category
    },

    async deleteCategory(input) {
      const { categoryId } = parseInput(categoryRefSchema, input, 'category')
      if (!(await store.deleteCategory(categoryId))) throw new NotFoundError('category', categoryId)
      await cache.invalidateListings()
    },

    async getSellersBySlug(input) {
      const { slugs } = parseInput(
        z.strictObject({ slugs: z.array(slugSchema).max(500) }),
        input,
        'seller lookup',
      )
      return store.getSellersBySlug([...new Set(slugs)])
    },

    async listCategories() {
      const generation = await cache.listingGeneration()
      if (generation === null) return buildTree(await store.listCategories())
      const key = cache.listingKey('categories', generation, null)
      const cached = await cache.get<CachedCategory[]>(key)
      if (cached) return buildTree(cached.map(fromCachedCategory))
      const categories = await store.listCategories()
      await cache.set(key, categories.map(toCachedCategory), listingTtl)
      return buildTree(categories)
    },

    async createProduct(input) {
      const parsed = parseInput(createProductSchema, input, 'product')
      const now = clock.now()
      const id = ids('prod')
      const { events: written } = await writeWithEvents(
        ({ catalog }) =>
          catalog.insertProduct({
            ...parsed,
            id,
            variants: toNewVariants(parsed.variants, ids),
            primaryCurrency: parsed.variants[0]!.prices[0]!.currency,
            images: normaliseImages(parsed.images, ids),
            createdAt: now,
          }),
        (): CatalogEvent[] => [
          {
            type: 'product.created',
            productId: id,
            slug: parsed.slug,
            status: parsed.status,
            occurredAt: now,
          },
        ],
      )
      await afterProductWrite(id, [parsed.slug])
      for (const e of written) events.emit(e)
      return freshProduct(id)
    },

    async updateProduct(input) {
      const { productId, expectedSellerId, ...patch } = parseInput(
        updateProductSchema,
        input,
        'product update',
      )
      return update(productId, patch, 'updated', expectedSellerId)
    },

    async archiveProduct(input) {
      const { productId, expectedSellerId } = parseInput(archiveProductSchema, input, 'product reference')
      return update(productId, { status: 'archived' }, 'archived', expectedSellerId)
    },

    async getProduct(input) {
      const { productId, slug, currency } = parseInput(getProductSchema, input, 'product lookup')
      // The schema lets exactly one of productId and slug through.
      const product = await requireProduct(slug === undefined ? { productId: productId! } : { slug })
      const skus = product.variants.map((v) => v.sku)
      const [items, levels] = await Promise.all([inventory.getItems(skus), inventory.getLevels(skus)])
      const itemBySku = new Map(items.map((i) => [i.sku, i]))
      // Prices are resolved now, not when the product was cached: a sale starts and ends on time.
      const now = clock.now()
      const { priceSchedules, ...shown } = product
      const variants = product.variants.map((v) => {
        const regular = priceIn(v.prices, currency)
        const scheduled = currency === undefined ? null : scheduleInForce(priceSchedules, v.id, currency, now)
        const price = scheduled && regular ? { ...scheduled.price } : regular
        const compareAt = v.compareAtPrice && { ...v.compareAtPrice }
        return {
          ...v,
          compareAtPrice: compareAt,
          price,
          wasPrice: wasPriceOf({ price, regular, compareAt }),
          availability: availabilityOf(v.sku, itemBySku, levels),
        }
      })
      const cheapest = variants.reduce<(typeof variants)[number] | null>(
        (min, v) => (v.price !== null && (min === null || v.price.amount < min.price!.amount) ? v : min),
        null,
      )
      return {
        ...shown,
        variants,
        price: cheapest?.price ?? null,
        wasPrice: cheapest?.wasPrice ?? null,
        inStock: variants.some((v) => v.availability.inStock),
      }
    },

    async listProducts(query) {
      const q = parseInput(listProductsSchema, query ?? {}, 'product query')
      const currency = q.currency ?? q.priceMin?.currency ?? q.priceMax?.currency
      const after = afterCursor(q.cursor, q.sort)
      const filters = {
        status: q.status,
        categoryId: q.categoryId,
        sellerId: q.sellerId,
        tags: q.tags && [...new Set(q.tags)].sort(),
        currency,
        priceMin: q.priceMin?.amount,
        priceMax: q.priceMax?.amount,
        inStock: q.inStock,
      }
      const load = async (knownTotal: number | undefined) => {
        const result = await store.listProducts({
          ...filters,
          sort: q.sort,
          after,
          limit: q.limit,
          countTotal: knownTotal === undefined,
          at: clock.now(),
        })
        const page: ProductPage = {
          items: result.items,
          total: result.total ?? knownTotal ?? 0,
          nextCursor: result.next && encodeCursor(result.next),
        }
        return { page, validUntil: result.pricesValidUntil ?? null }
      }

      const generation = await cache.listingGeneration()
      if (generation === null) return (await load(undefined)).page
      const pageKey = cache.listingKey('list', generation, [filters, q.sort, q.cursor ?? null, q.limit])
      const cached = await cache.get<CachedPage>(pageKey)
      // A cached page shows prices only until the next schedule of one of its products starts or
      // ends (on the injected clock); after that it is a miss, whatever its TTL says.
      const fresh = (c: CachedPage) => !c.validUntil || Date.parse(c.validUntil) > clock.now().getTime()
      if (cached && fresh(cached)) return fromCachedPage(cached)
      // The total depends on the filters only, so paging through a listing counts once.
      const totalKey = cache.listingKey('total', generation, filters)
      const knownTotal = await cache.get<number>(totalKey)
      const { page, validUntil } = await load(typeof knownTotal === 'number' ? knownTotal : undefined)
      if (typeof knownTotal !== 'number') await cache.set(totalKey, page.total, listingTtl)
      const ttl = validUntil
        ? Math.max(1, Math.min(listingTtl, validUntil.getTime() - clock.now().getTime()))
        : listingTtl
      await cache.set(pageKey, { ...toCachedPage(page), validUntil: validUntil?.toISOString() ?? null }, ttl)
      return page
    },

    async addReview(input) {
      const parsed = parseInput(addReviewSchema, input, 'review')
      const { result: review, events: written } = await writeWithEvents(
        (stores) => stores.reviews.insertReview({ id: ids('rev'), ...parsed, createdAt: clock.now() }),
        (review): CatalogEvent[] => [
          {
            type: 'review.created',
            reviewId: review.id,
            productId: review.productId,
            customerId: review.customerId,
            rating: review.rating,
            verifiedPurchase: review.verifiedPurchase,
            occurredAt: review.createdAt,
          },
        ],
      )
      // The rating summary is part of the product read; listings catch up within their TTL.
      await cache.invalidateProduct(review.productId, [])
      for (const e of written) events.emit(e)
      return review
    },

    async listReviews(input) {
      const { productId, cursor, limit } = parseInput(listReviewsSchema, input, 'review page')
      const after = afterCursor(cursor, 'reviews')
      await requireProduct({ productId })
      return toCursorPage(await reviews.listReviews({ productId, after, limit }))
    },

    async recommendations(input) {
      const { productId, limit, currency } = parseInput(recommendationsSchema, input, 'recommendation query')
      const product = await requireProduct({ productId })
      const inCurrency = currency ?? product.primaryCurrency
      const load = async (): Promise<Recommendations> => {
        const [frequentlyBoughtTogether, similar] = await Promise.all([
          recommendations.frequentlyBoughtTogether({ productId: product.id, limit, currency: inCurrency }),
          recommendations.similarProducts({
            productId: product.id,
            limit,
            currency: inCurrency,
            priceBandPercent,
          }),
        ])
        return { frequentlyBoughtTogether, similar }
      }
      const generation = await cache.listingGeneration()
      if (generation === null) return load()
      const key = cache.listingKey('reco', generation, [product.id, limit, inCurrency, priceBandPercent])
      const cached = await cache.get<{ fbt: CachedSummary[]; similar: CachedSummary[] }>(key)
      if (cached) {
        return {
          frequentlyBoughtTogether: cached.fbt.map(fromCachedSummary),
          similar: cached.similar.map(fromCachedSummary),
        }
      }
      const fresh = await load()
      const toCache = {
        fbt: fresh.frequentlyBoughtTogether.map(toCachedSummary),
        similar: fresh.similar.map(toCachedSummary),
      }
      await cache.set(key, toCache, listingTtl)
      return fresh
    },

    async getVariantsBySku(input) {
      const { skus, currency } = parseInput(variantsBySkuSchema, input, 'SKU lookup')
      return store.getVariantsBySku({ skus: [...new Set(skus)], currency })
    },

    async recordSale(input) {
      const { lines } = parseInput(recordSaleSchema, input, 'sale')
      await store.addUnitsSold(lines)
    },

    async syncUnitsSold(options) {
      if (!deps.unitsSold) {
        throw new ConfigError(
          'This catalog service has no units-sold applier; build it with createCommerce',
          [{ path: 'unitsSold', message: 'no applier wired' }],
        )
      }
      return deps.unitsSold.sync(options)
    },

    async syncStockStatus(options) {
      if (!deps.stockStatus) {
        throw new ConfigError(
          'This catalog service has no stock-status applier; build it with createCommerce',
          [{ path: 'stockStatus', message: 'no applier wired' }],
        )
      }
      return deps.stockStatus.sync(options)
    },

    async warm(input) {
      const { count: wanted } = parseInput(warmSchema, input, 'warm request')
      const productIds: string[] = []
      let after: Parameters<CatalogStore['listProducts']>[0]['after']
      while (productIds.length < wanted) {
        const page = await store.listProducts({
          status: 'active',
          sort: 'popular',
          after,
          limit: Math.min(MAX_PAGE_SIZE, wanted - productIds.length),
          countTotal: false,
        })
        productIds.push(...page.items.map((p) => p.id))
        if (!page.next) break
        after = page.next
      }
      let warmed = 0
      for (let i = 0; i < productIds.length; i += WARM_CONCURRENCY) {
        const batch = await Promise.all(
          productIds.slice(i, i + WARM_CONCURRENCY).map((id) => productById(id, true)),
        )
        warmed += batch.filter((p) => p !== null).length
      }
      return { warmed }
    },
  }
}
