import type { z } from 'zod'
import type { Clock } from '../clock/clock.js'
import { ConfigError, NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import type { InventoryItem, StockLevel } from '../inventory/inventory-types.js'
import type { Logger } from '../logger/logger.js'
import type { CurrencyCode } from '../money/currencies.js'
import type { Money } from '../money/money.js'
import type { Cache } from '../ports/cache.js'
import type {
  CatalogStore,
  NewImage,
  NewVariant,
  ProductPatch,
  StoredProduct,
} from '../ports/catalog-store.js'
import type { InventoryStore } from '../ports/inventory-store.js'
import type { Storage } from '../ports/storage.js'
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
  addReviewSchema,
  type CreateCategoryInput,
  type CreateProductInput,
  type CreateSellerInput,
  createCategorySchema,
  createProductSchema,
  createSellerSchema,
  type GetProductOptions,
  getProductOptionsSchema,
  type imageInputSchema,
  type ListProductsInput,
  listProductsSchema,
  MAX_CATEGORY_DEPTH,
  MAX_PAGE_SIZE,
  productRefSchema,
  type RecommendationsOptions,
  type ReviewPageOptions,
  recommendationsOptionsSchema,
  reviewPageOptionsSchema,
  slugSchema,
  type UpdateProductInput,
  unitsSoldLinesSchema,
  updateProductSchema,
  type variantInputSchema,
  variantsBySkuSchema,
  warmCountSchema,
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
  UnitsSoldLine,
  VariantAvailability,
  VariantPricing,
} from './catalog-types.js'
import { decodeCursor, encodeCursor } from '../pagination/keyset-cursor.js'
import type { StockStatusApplier, StockStatusSyncOptions } from './stock-status-applier.js'
import type { UnitsSoldApplier, UnitsSoldSyncOptions } from './units-sold-applier.js'

/** How long a product read stays cached when the config names no TTL: 5 minutes. */
export const DEFAULT_PRODUCT_TTL_MS = 5 * 60 * 1000
/** How long a listing (and the category tree, recommendations) stays cached by default: 1 minute. */
export const DEFAULT_LISTING_TTL_MS = 60 * 1000
/** Products loaded at once by `warm`. */
const WARM_CONCURRENCY = 8

export interface CatalogServiceDeps {
  readonly store: CatalogStore
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
  updateProduct(productId: string, patch: UpdateProductInput): Promise<Product>
  /** Sets status `archived`: gone from listings, still readable by id. Emits `product.archived`. */
  archiveProduct(productId: string): Promise<Product>
  /**
   * A product by id or slug, any status, with category path, seller, rating summary, prices in
   * `currency` and live per-variant availability. Served from the cache when it can be.
   * Throws `NotFoundError`.
   */
  getProduct(idOrSlug: string, options?: GetProductOptions): Promise<ProductDetail>
  /** A page of products matching the filters, in a stable keyset order. Served from the cache when it can be. */
  listProducts(query?: ListProductsInput): Promise<ProductPage>
  /**
   * One review per customer per product (`ConflictError` for a second). Verified when the customer
   * has a confirmed or later order containing the product. Emits `review.created`.
   */
  addReview(input: AddReviewInput): Promise<Review>
  /** Newest first. Throws `NotFoundError` for an unknown product. */
  listReviews(productId: string, options?: ReviewPageOptions): Promise<ReviewPage>
  /** Frequently bought together and similar products (both active only). Cached. */
  recommendations(productId: string, options?: RecommendationsOptions): Promise<Recommendations>
  /**
   * Pricing of SKUs in one currency for carts and checkout, in one query, never cached: unknown
   * SKUs are absent; `status` and a null `price` tell the caller what it cannot sell.
   */
  getVariantsBySku(skus: readonly string[], currency: CurrencyCode): Promise<VariantPricing[]>
  /**
   * Adds committed sales to units sold (popularity) in one statement, at once. Checkout,
   * cancellations and returns write `catalog.units_sold` outbox messages instead (see
   * `syncUnitsSold`); this is for sales recorded elsewhere.
   */
  recordSale(lines: readonly UnitsSoldLine[]): Promise<void>
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
  warm(count: number): Promise<{ warmed: number }>
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
    weightGrams: v.weightGrams,
    position,
  }))
}

function toProduct(p: StoredProduct): Product {
  const { category: _category, categoryPath: _path, seller: _seller, ...product } = p
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
  const { store, inventory, clock, ids, events, logger } = deps
  const productTtl = deps.productTtlMs ?? DEFAULT_PRODUCT_TTL_MS
  const listingTtl = deps.listingTtlMs ?? DEFAULT_LISTING_TTL_MS
  const cache = createCatalogCache(deps.cache, logger)
  const isSlug = (ref: string) => slugSchema.safeParse(ref).success

  /**
   * Read-through by id under the product's generation (see CatalogCache). `warm` starts the
   * generation up front so that its read is cached at once.
   */
  async function productById(id: string, startGeneration = false): Promise<StoredProduct | null> {
    const generation = await cache.productGeneration(id, startGeneration)
    if (generation === null) {
      const stored = await store.getProduct(id)
      // This read began before any generation existed, so it is not cached; the next one is.
      if (stored && stored.id === id && !startGeneration) await cache.productGeneration(id, true)
      return stored
    }
    const key = cache.productKey(id, generation)
    const cached = await cache.get<CachedProduct>(key)
    if (cached) return fromCachedProduct(cached)
    const stored = await store.getProduct(id)
    // A slug-shaped custom id may match another product's slug; only cache what the id names.
    if (stored && stored.id === id) await cache.set(key, toCachedProduct(stored), productTtl)
    return stored
  }

  async function readProduct(ref: string): Promise<StoredProduct | null> {
    if (!isSlug(ref)) return productById(ref)
    const mappedId = await cache.get<string>(cache.slugKey(ref))
    if (typeof mappedId === 'string') {
      const product = await productById(mappedId)
      // The mapping may be stale (the slug moved); the product itself never is.
      if (product && product.slug === ref) return product
    }
    const stored = await store.getProduct(ref)
    if (!stored) return null
    if (stored.slug === ref) await cache.set(cache.slugKey(ref), stored.id, productTtl)
    return stored
  }

  async function requireProduct(ref: string): Promise<StoredProduct> {
    const product = await readProduct(ref)
    if (!product) throw new NotFoundError('product', ref)
    return product
  }

  async function freshProduct(id: string): Promise<Product> {
    const product = await store.getProduct(id)
    if (!product) throw new NotFoundError('product', id)
    return toProduct(product)
  }

  /**
   * Runs a catalog write; with `deps.transaction`, the events it produced are written to the outbox
   * in the same transaction. Returns the write's result and its events, to publish in process.
   */
  async function writeWithEvents<T>(
    write: (catalog: CatalogStore) => Promise<T>,
    eventsOf: (result: T) => CatalogEvent[],
  ): Promise<{ result: T; events: CatalogEvent[] }> {
    const transaction = deps.transaction
    if (!transaction) {
      const result = await write(store)
      return { result, events: eventsOf(result) }
    }
    return transaction(async (stores) => {
      const result = await write(stores.catalog)
      const events = eventsOf(result)
      if (events.length > 0) {
        await stores.outbox.enqueue(
          events.map((e) => outboxEvent(e, ids('evt'), e.productId)),
          clock.now(),
        )
      }
      return { result, events }
    })
  }

  async function afterProductWrite(id: string, slugs: readonly string[]): Promise<void> {
    await cache.invalidateProduct(id, slugs)
    await cache.invalidateListings()
  }

  async function update(
    productId: string,
    patch: z.output<typeof updateProductSchema>,
    event: 'updated' | 'archived',
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
      (catalog) => catalog.updateProduct(productId, storePatch, now),
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
        (catalog) =>
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

    async updateProduct(productId, patch) {
      const id = parseInput(entityIdSchema, productId, 'product id')
      return update(id, parseInput(updateProductSchema, patch, 'product update'), 'updated')
    },

    async archiveProduct(productId) {
      const id = parseInput(entityIdSchema, productId, 'product id')
      return update(id, { status: 'archived' }, 'archived')
    },

    async getProduct(idOrSlug, options) {
      const ref = parseInput(productRefSchema, idOrSlug, 'product id or slug')
      const { currency } = parseInput(getProductOptionsSchema, options, 'product options')
      const product = await requireProduct(ref)
      const skus = product.variants.map((v) => v.sku)
      const [items, levels] = await Promise.all([inventory.getItems(skus), inventory.getLevels(skus)])
      const itemBySku = new Map(items.map((i) => [i.sku, i]))
      const variants = product.variants.map((v) => ({
        ...v,
        price: priceIn(v.prices, currency),
        availability: availabilityOf(v.sku, itemBySku, levels),
      }))
      const prices = variants.flatMap((v) => (v.price ? [v.price] : []))
      const lowest = prices.reduce<Money | null>(
        (min, p) => (min === null || p.amount < min.amount ? p : min),
        null,
      )
      return { ...product, variants, price: lowest, inStock: variants.some((v) => v.availability.inStock) }
    },

    async listProducts(query) {
      const q = parseInput(listProductsSchema, query ?? {}, 'product query')
      const currency = q.currency ?? q.priceMin?.currency ?? q.priceMax?.currency
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, q.sort)
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
        })
        const page: ProductPage = {
          items: result.items,
          total: result.total ?? knownTotal ?? 0,
          nextCursor: result.next && encodeCursor(result.next),
        }
        return page
      }

      const generation = await cache.listingGeneration()
      if (generation === null) return load(undefined)
      const pageKey = cache.listingKey('list', generation, [filters, q.sort, q.cursor ?? null, q.limit])
      const cached = await cache.get<CachedPage>(pageKey)
      if (cached) return fromCachedPage(cached)
      // The total depends on the filters only, so paging through a listing counts once.
      const totalKey = cache.listingKey('total', generation, filters)
      const knownTotal = await cache.get<number>(totalKey)
      const page = await load(typeof knownTotal === 'number' ? knownTotal : undefined)
      if (typeof knownTotal !== 'number') await cache.set(totalKey, page.total, listingTtl)
      await cache.set(pageKey, toCachedPage(page), listingTtl)
      return page
    },

    async addReview(input) {
      const parsed = parseInput(addReviewSchema, input, 'review')
      const { result: review, events: written } = await writeWithEvents(
        (catalog) => catalog.insertReview({ id: ids('rev'), ...parsed, createdAt: clock.now() }),
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

    async listReviews(productId, options) {
      const id = parseInput(entityIdSchema, productId, 'product id')
      const { cursor, limit } = parseInput(reviewPageOptionsSchema, options, 'page options')
      const after = cursor === undefined ? null : decodeCursor(cursor, 'reviews')
      await requireProduct(id)
      const page = await store.listReviews(id, after, limit)
      return { items: page.items, nextCursor: page.next && encodeCursor(page.next) }
    },

    async recommendations(productId, options) {
      const id = parseInput(entityIdSchema, productId, 'product id')
      const { limit, currency } = parseInput(recommendationsOptionsSchema, options, 'recommendation options')
      const product = await requireProduct(id)
      const inCurrency = currency ?? product.primaryCurrency
      const load = async (): Promise<Recommendations> => {
        const [frequentlyBoughtTogether, similar] = await Promise.all([
          store.frequentlyBoughtTogether(product.id, { limit, currency: inCurrency }),
          store.similarProducts(product.id, { limit, currency: inCurrency }),
        ])
        return { frequentlyBoughtTogether, similar }
      }
      const generation = await cache.listingGeneration()
      if (generation === null) return load()
      const key = cache.listingKey('reco', generation, [product.id, limit, inCurrency])
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

    async getVariantsBySku(skus, currency) {
      const parsed = parseInput(variantsBySkuSchema, { skus, currency }, 'SKU lookup')
      return store.getVariantsBySku([...new Set(parsed.skus)], parsed.currency)
    },

    async recordSale(lines) {
      await store.addUnitsSold(parseInput(unitsSoldLinesSchema, lines, 'sale lines'))
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

    async warm(count) {
      const wanted = parseInput(warmCountSchema, count, 'warm count')
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
