import type { Commerce } from '@souk/core'
import { PURCHASED_ORDER_STATUSES } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import { type BulkTable, createBulkWriter } from './bulk-writer.js'
import {
  BRANDS,
  type BranchTemplate,
  CATEGORY_TREE,
  CITIES,
  FEATURES,
  FIRST_NAMES,
  LAST_NAMES,
  type LeafTemplate,
  MODEL_SUFFIXES,
  REVIEW_BODIES,
  REVIEW_TITLES,
  SELLERS,
} from './demo-vocabulary.js'
import { createPrng } from './prng.js'
import { seededId } from './seeded-ids.js'
import { holdStockTriggers, settleStock } from './stock-triggers.js'

/** Products the demo catalog has when nobody says otherwise. */
export const DEFAULT_DEMO_PRODUCTS = 2000
/** Seed text used when nobody gives one. */
export const DEFAULT_DEMO_SEED = 'souk'
/**
 * The fixed "today" of the demo's history: products were created in the year before it and the
 * past orders placed in the 120 days before it. Fixed, so a seed gives the same data on any day.
 */
export const DEMO_ANCHOR = new Date('2025-06-01T00:00:00.000Z')

export interface SeedProgress {
  readonly stage: 'catalog' | 'stock' | 'orders' | 'reviews' | 'totals' | 'shipping' | 'search' | 'vacuum'
  /** Units of the stage done: products (catalog, reviews), orders, or search documents. */
  readonly done: number
  readonly total: number
  /** Rows written so far by the bulk stages (catalog, orders, reviews), all tables together. */
  readonly rows?: number
}

export interface SeedDemoOptions {
  /** Number of products. Default 2,000. */
  readonly products?: number
  /** Any text; the same seed gives the same catalog. Default `'souk'`. */
  readonly seed?: string
  /** Called as each stage advances. */
  readonly onProgress?: (progress: SeedProgress) => void
}

/** The part of `PostgresStorage` the seeder writes through. */
export interface SeedTarget {
  // biome-ignore lint/suspicious/noExplicitAny: raw SQL only, over Souk's schema.
  readonly db: Kysely<any>
  readonly schema: string
}

export interface SeedReport {
  readonly products: number
  readonly variants: number
  readonly categories: number
  readonly sellers: number
  readonly orders: number
  readonly reviews: number
  /** Search documents rebuilt. */
  readonly indexed: number
  readonly promoCodes: readonly string[]
  /** Rows the bulk stages wrote, all tables together. */
  readonly rows: number
  /** Milliseconds spent writing each table in the bulk stages, its triggers included. */
  readonly tableMs: Readonly<Record<string, number>>
  /** Milliseconds per stage, in the order they ran. */
  readonly stageMs: Readonly<Partial<Record<SeedProgress['stage'], number>>>
  readonly ms: number
}

// Dependency order: every table after the tables its foreign keys point to.
const TABLES: readonly BulkTable[] = [
  { name: 'sellers', columns: { id: 'text', slug: 'text', name: 'text', created_at: 'timestamptz' } },
  {
    name: 'categories',
    columns: {
      id: 'text',
      slug: 'text',
      name: 'text',
      parent_id: 'text',
      path: 'text[]',
      position: 'integer',
      created_at: 'timestamptz',
    },
  },
  {
    name: 'products',
    columns: {
      id: 'text',
      slug: 'text',
      name: 'text',
      description: 'text',
      status: 'text',
      category_id: 'text',
      category_path: 'text[]',
      seller_id: 'text',
      tags: 'text[]',
      attributes: 'jsonb',
      primary_currency: 'char(3)',
      in_stock: 'boolean',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
  },
  {
    name: 'product_variants',
    columns: {
      id: 'text',
      product_id: 'text',
      sku: 'text',
      options: 'jsonb',
      weight_grams: 'integer',
      position: 'integer',
    },
  },
  { name: 'variant_prices', columns: { variant_id: 'text', currency: 'char(3)', amount: 'bigint' } },
  {
    name: 'product_prices',
    columns: { product_id: 'text', currency: 'char(3)', min_amount: 'bigint', status: 'text' },
  },
  {
    name: 'product_images',
    columns: {
      id: 'text',
      product_id: 'text',
      url: 'text',
      alt: 'text',
      position: 'integer',
      is_primary: 'boolean',
    },
  },
  {
    name: 'inventory_items',
    columns: {
      sku: 'text',
      tracked: 'boolean',
      allow_backorder: 'boolean',
      low_stock_threshold: 'integer',
      stock_state: 'text',
    },
  },
  {
    name: 'stock_levels',
    columns: {
      sku: 'text',
      location_id: 'text',
      on_hand: 'bigint',
      reserved: 'bigint',
      updated_at: 'timestamptz',
    },
  },
  {
    name: 'orders',
    columns: {
      id: 'text',
      customer_id: 'text',
      email: 'text',
      status: 'text',
      currency: 'char(3)',
      subtotal: 'bigint',
      discount_total: 'bigint',
      shipping_total: 'bigint',
      tax_total: 'bigint',
      total: 'bigint',
      shipping_address: 'jsonb',
      payment_provider: 'text',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
  },
  {
    name: 'order_lines',
    columns: {
      id: 'text',
      order_id: 'text',
      sku: 'text',
      product_id: 'text',
      variant_id: 'text',
      seller_id: 'text',
      name: 'text',
      quantity: 'integer',
      unit_price: 'bigint',
      discount: 'bigint',
      tax: 'bigint',
      total: 'bigint',
    },
  },
  {
    name: 'order_status_history',
    columns: { order_id: 'text', from_status: 'text', to_status: 'text', note: 'text', at: 'timestamptz' },
  },
  {
    name: 'reviews',
    columns: {
      id: 'text',
      product_id: 'text',
      customer_id: 'text',
      rating: 'smallint',
      title: 'text',
      body: 'text',
      verified_purchase: 'boolean',
      created_at: 'timestamptz',
    },
  },
]

const DAY = 86_400_000
/** Every demo SKU's low-stock threshold. */
const LOW_STOCK = 5

/** What the seed vacuums at the end: what it wrote, and the search index the rebuild filled. */
const VACUUMED = [
  ...TABLES.map((table) => table.name),
  'search_documents',
  'search_terms',
  'search_suggest_terms',
  'search_categories',
]
/**
 * Tables the seed rewrites after loading them (products: in-stock flags, then units sold and
 * ratings; inventory items: stock states). Every row's old version and its index entries would
 * stay behind as free space, so these are compacted (VACUUM FULL), not just vacuumed.
 */
const REWRITTEN = new Set(['products', 'inventory_items'])

/** Progress is reported every 1 % of a stage, but at least every 5,000 items. */
const progressStep = (total: number) => Math.max(1, Math.min(5000, Math.floor(total / 100)))

/**
 * A product's model number, e.g. `AU0007919`: the brand's first letters and a 7-digit number
 * unique per product (`n × 7919 mod 10⁷` is a bijection), so every description holds one rare
 * word, as real catalogs do, without drawing from the generator (the rest of the seed is unchanged).
 */
const modelNumber = (brand: string, n: number) =>
  `${brand.slice(0, 2).toUpperCase()}${String((n * 7919) % 10_000_000).padStart(7, '0')}`
const PURCHASED = new Set<string>(PURCHASED_ORDER_STATUSES)

interface Leaf {
  readonly id: string
  readonly path: readonly string[]
  readonly root: string
  readonly template: LeafTemplate
  /** Products of this leaf, by index into `variantsOf`, in creation order. */
  readonly products: number[]
}

/** What orders and reviews need to know about a product. */
interface ProductFacts {
  readonly id: string
  readonly sellerId: string
  readonly createdAt: number
  readonly quality: number
  readonly variants: readonly {
    readonly id: string
    readonly sku: string
    readonly name: string
    readonly usd: number
    readonly eur: number
  }[]
}

const slugify = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** A price ending in 99 cents (or whole euros minus one cent), inside the leaf's range. */
function roundPrice(cents: number): number {
  return Math.max(99, Math.round(cents / 100) * 100 - 1)
}

function isLeaf(node: BranchTemplate | LeafTemplate): node is LeafTemplate {
  return 'nouns' in node
}

/**
 * Fills an empty, migrated Souk database with a deterministic demo shop: sellers, a category tree,
 * products with variants (options, USD and EUR prices, weights), placeholder images, stock, past
 * orders (for popularity and "frequently bought together"), reviews, shipping zones and methods,
 * promo codes (WELCOME10, FREESHIP, TAKE5), then rebuilds the search index.
 *
 * Catalog, stock, orders and reviews are written with bulk SQL in one transaction (all or
 * nothing); shipping and promotions go through the services. Throws when the catalog is not empty.
 */
export async function seedDemo(
  commerce: Commerce,
  target: SeedTarget,
  options: SeedDemoOptions = {},
): Promise<SeedReport> {
  const started = Date.now()
  const productCount = options.products ?? DEFAULT_DEMO_PRODUCTS
  const seedText = options.seed ?? DEFAULT_DEMO_SEED
  const stageMs: Partial<Record<SeedProgress['stage'], number>> = {}
  let stage: { name: SeedProgress['stage']; since: number } | null = null
  const endStage = () => {
    if (stage) stageMs[stage.name] = Date.now() - stage.since
  }
  const progress = (p: SeedProgress) => {
    if (stage?.name !== p.stage) {
      endStage()
      stage = { name: p.stage, since: Date.now() }
    }
    options.onProgress?.(p)
  }
  if (!Number.isSafeInteger(productCount) || productCount < 1 || productCount > 5_000_000) {
    throw new RangeError(`products must be a whole number from 1 to 5,000,000, not ${productCount}`)
  }
  const t = (name: string) => sql.id(target.schema, name)
  const { rows: existing } = await sql<{
    n: number
  }>`select count(*)::int as n from ${t('products')}`.execute(target.db)
  if ((existing[0]?.n ?? 0) > 0) {
    throw new RangeError(
      'The catalog already has products; seed an empty database (pnpm seed --reset wipes it first)',
    )
  }

  const prng = createPrng(seedText)
  const anchor = DEMO_ANCHOR.getTime()
  const customerCount = Math.min(20_000, Math.max(60, Math.round(productCount / 4)))
  const orderCount = Math.max(150, Math.round(productCount * 0.6))

  const counts = await target.db.transaction().execute(async (trx) => {
    const writer = createBulkWriter(trx, target.schema, TABLES)
    await holdStockTriggers(trx, target.schema)

    // Sellers.
    const sellerIds = new Map<string, string>()
    for (const [index, seller] of SELLERS.entries()) {
      const createdAt = new Date(anchor - 400 * DAY + index * DAY)
      const id = seededId('sel', createdAt, prng)
      sellerIds.set(seller.slug, id)
      await writer.add('sellers', {
        id,
        slug: seller.slug,
        name: seller.name,
        created_at: createdAt.toISOString(),
      })
    }

    // The category tree; products go into leaves.
    const leaves: Leaf[] = []
    let categoryCount = 0
    const addNode = async (
      node: BranchTemplate | LeafTemplate,
      parent: { id: string; path: string[] } | null,
      position: number,
      root: string,
    ) => {
      const createdAt = new Date(anchor - 400 * DAY)
      const id = seededId('cat', createdAt, prng)
      const path = [...(parent?.path ?? []), id]
      categoryCount++
      await writer.add('categories', {
        id,
        slug: node.slug,
        name: node.name,
        parent_id: parent?.id ?? null,
        path,
        position,
        created_at: createdAt.toISOString(),
      })
      if (isLeaf(node)) leaves.push({ id, path, root, template: node, products: [] })
      else for (const [i, child] of node.children.entries()) await addNode(child, { id, path }, i, root)
    }
    for (const [i, root] of CATEGORY_TREE.entries()) await addNode(root, null, i, root.slug)

    // Sellers by root category, for plausible marketplace assortments.
    const sellersOfRoot = new Map<string, string[]>()
    for (const seller of SELLERS) {
      for (const root of seller.roots)
        sellersOfRoot.set(root, [...(sellersOfRoot.get(root) ?? []), sellerIds.get(seller.slug)!])
    }
    const allSellers = [...sellerIds.values()]

    // Products, variants, prices, images and stock.
    const products: ProductFacts[] = []
    let variantCount = 0
    const rows = () => [...writer.written.values()].reduce((sum, n) => sum + n, 0)
    const catalogStep = progressStep(productCount)
    progress({ stage: 'catalog', done: 0, total: productCount, rows: rows() })
    for (let i = 0; i < productCount; i++) {
      const leaf = prng.pickSkewed(leaves, 1.3)
      const tpl = leaf.template
      const brand = prng.pick(BRANDS)
      const adjective = prng.pick(tpl.adjectives)
      const noun = prng.pick(tpl.nouns)
      const suffix = prng.pick(MODEL_SUFFIXES)
      const name = [brand, adjective, noun, suffix].filter(Boolean).join(' ')
      const createdAt = anchor - 365 * DAY + Math.floor(((i + prng.next()) / productCount) * 360 * DAY)
      const id = seededId('prod', new Date(createdAt), prng)
      const slug = `${slugify(name)}-${(i + 1).toString(36)}`
      const status = prng.chance(0.02) ? 'draft' : 'active'
      const sellerId = prng.chance(0.85)
        ? prng.pick(sellersOfRoot.get(leaf.root) ?? allSellers)
        : prng.pick(allSellers)
      const material = prng.pick(tpl.materials)
      const tags = [...new Set([...tpl.tags, slugify(adjective), slugify(noun)])].slice(0, 8)
      const description =
        `The ${brand} ${adjective.toLowerCase()} ${noun.toLowerCase()}, made of ${material}. ` +
        `${prng.sample(FEATURES, 2).join(' ')} Model ${modelNumber(brand, i + 1)}.`
      const created = new Date(createdAt).toISOString()

      // The variants are drawn first (in the generator's order) and written after their product,
      // whose in-stock flag follows from their stock.
      const base = prng.int(tpl.price[0], tpl.price[1])
      const weight = prng.int(tpl.weight[0], tpl.weight[1])
      const values = tpl.option ? prng.sample(tpl.option.values, prng.int(2, 4)) : [null]
      if (tpl.option) values.sort((a, b) => tpl.option!.values.indexOf(a!) - tpl.option!.values.indexOf(b!))
      const facts: ProductFacts['variants'][number][] = []
      const stock: number[] = []
      const minPrice = { USD: Number.MAX_SAFE_INTEGER, EUR: Number.MAX_SAFE_INTEGER }
      for (const [position, value] of values.entries()) {
        const variantId = seededId('var', new Date(createdAt), prng)
        const sku = `${leaf.template.slug.slice(0, 3).toUpperCase()}-${(i + 1).toString().padStart(6, '0')}-${position + 1}`
        const usd = roundPrice(base * (1 + position * 0.08))
        const eur = roundPrice(usd * 0.92)
        minPrice.USD = Math.min(minPrice.USD, usd)
        minPrice.EUR = Math.min(minPrice.EUR, eur)
        stock.push(prng.chance(0.07) ? 0 : Math.floor(prng.next() ** 2 * 150) + 1)
        facts.push({ id: variantId, sku, name: value === null ? name : `${name} (${value})`, usd, eur })
      }

      await writer.add('products', {
        id,
        slug,
        name,
        description,
        status,
        category_id: leaf.id,
        category_path: leaf.path,
        seller_id: sellerId,
        tags,
        attributes: { brand, material },
        primary_currency: 'USD',
        // What migration 011 would set (tracked SKUs, no backorders); settleStock checks it.
        in_stock: stock.some((onHand) => onHand > 0),
        created_at: created,
        updated_at: created,
      })
      for (const [position, value] of values.entries()) {
        const variant = facts[position]!
        const onHand = stock[position]!
        await writer.add('product_variants', {
          id: variant.id,
          product_id: id,
          sku: variant.sku,
          options: tpl.option && value !== null ? { [tpl.option.name]: value } : {},
          weight_grams: weight + position * 20,
          position,
        })
        await writer.add('variant_prices', { variant_id: variant.id, currency: 'EUR', amount: variant.eur })
        await writer.add('variant_prices', { variant_id: variant.id, currency: 'USD', amount: variant.usd })
        await writer.add('inventory_items', {
          sku: variant.sku,
          tracked: true,
          allow_backorder: false,
          low_stock_threshold: LOW_STOCK,
          // What migration 010's stock_state_of gives for these levels; settleStock checks it.
          stock_state: onHand <= 0 ? 'out' : onHand <= LOW_STOCK ? 'low' : 'in',
        })
        await writer.add('stock_levels', {
          sku: variant.sku,
          location_id: 'default',
          on_hand: onHand,
          reserved: 0,
          updated_at: created,
        })
        variantCount++
      }
      for (const currency of ['EUR', 'USD'] as const) {
        await writer.add('product_prices', {
          product_id: id,
          currency,
          min_amount: minPrice[currency],
          status,
        })
      }
      const imageCount = prng.int(1, 3)
      for (let k = 0; k < imageCount; k++) {
        await writer.add('product_images', {
          id: seededId('img', new Date(createdAt), prng),
          product_id: id,
          url: `https://picsum.photos/seed/${slug}-${k}/640/640`,
          alt: k === 0 ? name : `${name}, view ${k + 1}`,
          position: k,
          is_primary: k === 0,
        })
      }
      if (status === 'active') leaf.products.push(products.length)
      products.push({ id, sellerId, createdAt, quality: 2.6 + prng.next() * 2.4, variants: facts })
      if ((i + 1) % catalogStep === 0 || i + 1 === productCount)
        progress({ stage: 'catalog', done: i + 1, total: productCount, rows: rows() })
    }
    await writer.flush()
    progress({ stage: 'stock', done: 0, total: 1 })
    await settleStock(trx, target.schema)
    progress({ stage: 'stock', done: 1, total: 1 })

    // Past orders: a basket anchored on a popular product, filled from the same root category so
    // "frequently bought together" has something to find.
    const stocked = leaves.filter((l) => l.products.length > 0)
    const leavesOfRoot = new Map<string, Leaf[]>()
    for (const l of stocked) leavesOfRoot.set(l.root, [...(leavesOfRoot.get(l.root) ?? []), l])
    const bought = new Map<number, Set<number>>()
    const orderStep = progressStep(orderCount)
    progress({ stage: 'orders', done: 0, total: orderCount, rows: rows() })
    for (let o = 0; o < orderCount && stocked.length > 0; o++) {
      const customer = prng.int(1, customerCount)
      const anchorLeaf = prng.pickSkewed(stocked, 1.3)
      const picks = new Set<number>([prng.pickSkewed(anchorLeaf.products, 2.5)])
      const extra = prng.pickSkewed([0, 1, 1, 2, 3], 1.5)
      for (let k = 0; k < extra; k++) {
        const sibling = prng.pick(leavesOfRoot.get(anchorLeaf.root)!)
        picks.add(prng.pickSkewed(sibling.products, 2.5))
      }
      const city = prng.pick(CITIES)
      const currency = city.currency
      const newest = Math.max(...[...picks].map((p) => products[p]!.createdAt))
      const placedAt = newest + Math.floor(prng.next() * Math.max(DAY, Math.min(120 * DAY, anchor - newest)))
      const status = prng.pick([
        'delivered',
        'delivered',
        'delivered',
        'delivered',
        'shipped',
        'confirmed',
        'cancelled',
      ])
      const orderId = seededId('ord', new Date(placedAt), prng)
      let subtotal = 0
      const lines: Record<string, unknown>[] = []
      for (const p of picks) {
        const product = products[p]!
        const variant = prng.pick(product.variants)
        const quantity = prng.chance(0.8) ? 1 : prng.int(2, 3)
        const unit = currency === 'USD' ? variant.usd : variant.eur
        subtotal += unit * quantity
        lines.push({
          id: seededId('oli', new Date(placedAt), prng),
          order_id: orderId,
          sku: variant.sku,
          product_id: product.id,
          variant_id: variant.id,
          seller_id: product.sellerId,
          name: variant.name,
          quantity,
          unit_price: unit,
          discount: 0,
          tax: 0,
          total: unit * quantity,
        })
        if (PURCHASED.has(status)) {
          const buyers = bought.get(p) ?? new Set<number>()
          buyers.add(customer)
          bought.set(p, buyers)
        }
      }
      const shipping = subtotal >= 5000 ? 0 : currency === 'USD' ? 499 : 450
      const first = FIRST_NAMES[customer % FIRST_NAMES.length]!
      const last = LAST_NAMES[customer % LAST_NAMES.length]!
      const at = new Date(placedAt).toISOString()
      const settled = new Date(placedAt + 3_600_000).toISOString()
      await writer.add('orders', {
        id: orderId,
        customer_id: `cus_demo_${customer}`,
        email: `${first}.${last}.${customer}@example.com`.toLowerCase(),
        status,
        currency,
        subtotal,
        discount_total: 0,
        shipping_total: shipping,
        tax_total: 0,
        total: subtotal + shipping,
        shipping_address: {
          name: `${first} ${last}`,
          line1: `${prng.int(1, 200)} Demo Street`,
          city: city.city,
          ...('region' in city ? { region: city.region } : {}),
          postalCode: city.postalCode,
          country: city.country,
        },
        payment_provider: 'test',
        created_at: at,
        updated_at: settled,
      })
      // The order goes in before its lines and history, so a flush between them keeps foreign keys valid.
      for (const line of lines) await writer.add('order_lines', line)
      await writer.add('order_status_history', {
        order_id: orderId,
        from_status: null,
        to_status: 'pending_payment',
        note: null,
        at,
      })
      await writer.add('order_status_history', {
        order_id: orderId,
        from_status: 'pending_payment',
        to_status: status,
        note: 'demo history',
        at: settled,
      })
      if ((o + 1) % orderStep === 0 || o + 1 === orderCount)
        progress({ stage: 'orders', done: o + 1, total: orderCount, rows: rows() })
    }
    await writer.flush()

    // Reviews: mostly from customers who bought the product (verified), a few from others.
    let reviewCount = 0
    const reviewStep = progressStep(products.length)
    for (const [p, product] of products.entries()) {
      if (p % reviewStep === 0) progress({ stage: 'reviews', done: p, total: products.length, rows: rows() })
      const buyers = [...(bought.get(p) ?? [])]
      const wanted = Math.min(12, Math.floor(prng.next() ** 1.5 * 4) + Math.ceil(buyers.length / 2))
      const reviewers = new Set<number>()
      for (let k = 0; k < wanted; k++) {
        const fromBuyer = buyers.length > 0 && prng.chance(0.75)
        const customer = fromBuyer ? prng.pick(buyers) : prng.int(1, customerCount)
        if (reviewers.has(customer)) continue
        reviewers.add(customer)
        const rating = Math.min(5, Math.max(1, Math.round(product.quality + (prng.next() - 0.5) * 2)))
        const at = new Date(Math.min(anchor - 1000, product.createdAt + prng.int(1, 200) * DAY))
        await writer.add('reviews', {
          id: seededId('rev', at, prng),
          product_id: product.id,
          customer_id: `cus_demo_${customer}`,
          rating,
          title: prng.pick(REVIEW_TITLES[rating]!),
          body: prng.sample(REVIEW_BODIES, 2).join(' '),
          verified_purchase: bought.get(p)?.has(customer) ?? false,
          created_at: at.toISOString(),
        })
        reviewCount++
      }
    }
    await writer.flush()
    progress({ stage: 'reviews', done: products.length, total: products.length, rows: rows() })
    progress({ stage: 'totals', done: 0, total: 1 })

    // Units sold and rating aggregates follow from the rows above, as the services keep them.
    const purchased = sql.join(PURCHASED_ORDER_STATUSES.map((s) => sql.lit(s)))
    // One statement for both, so each product row is rewritten once.
    await sql`with sold as (
        select l.product_id, sum(l.quantity) as n from ${t('order_lines')} l
        join ${t('orders')} o on o.id = l.order_id where o.status in (${purchased}) group by l.product_id),
      rated as (select product_id, count(*) as c, sum(rating) as s from ${t('reviews')} group by product_id)
      update ${t('products')} p
      set units_sold = coalesce(x.n, 0), rating_count = coalesce(x.c, 0), rating_sum = coalesce(x.s, 0)
      from (select coalesce(sold.product_id, rated.product_id) as product_id, sold.n, rated.c, rated.s
            from sold full join rated on rated.product_id = sold.product_id) x
      where x.product_id = p.id`.execute(trx)
    progress({ stage: 'totals', done: 1, total: 1 })
    return {
      categories: categoryCount,
      variants: variantCount,
      reviews: reviewCount,
      rows: rows(),
      tableMs: Object.fromEntries([...writer.elapsedMs].map(([name, ms]) => [name, Math.round(ms)])),
    }
  })
  // Statistics first, so the search rebuild's reads are planned for the real table sizes.
  await sql`analyze`.execute(target.db)

  progress({ stage: 'shipping', done: 0, total: 1 })
  const promoCodes = await seedShippingAndPromotions(commerce)
  progress({ stage: 'shipping', done: 1, total: 1 })

  const indexed = await rebuildSearch(commerce, (done, total) => progress({ stage: 'search', done, total }))

  // A bulk load leaves every page unmarked in the visibility map: until a vacuum, index-only scans
  // and counts read the heap. A shop's autovacuum would get there eventually (if it is on); the
  // seed does not leave it to chance.
  progress({ stage: 'vacuum', done: 0, total: VACUUMED.length })
  for (const [i, table] of VACUUMED.entries()) {
    // VACUUM FULL leaves the visibility map empty: the plain VACUUM after it fills it.
    if (REWRITTEN.has(table)) await sql`vacuum (full) ${t(table)}`.execute(target.db)
    await sql`vacuum (analyze) ${t(table)}`.execute(target.db)
    progress({ stage: 'vacuum', done: i + 1, total: VACUUMED.length })
  }
  endStage()
  const report: SeedReport = {
    products: productCount,
    variants: counts.variants,
    categories: counts.categories,
    sellers: SELLERS.length,
    orders: orderCount,
    reviews: counts.reviews,
    indexed,
    promoCodes,
    rows: counts.rows,
    tableMs: counts.tableMs,
    stageMs,
    ms: Date.now() - started,
  }
  await recordSeed(target, seedText, report)
  return report
}

/**
 * Keeps what the seed made in `<schema>.demo_seed` (one row per seed run): the benchmarks read it
 * to say how a catalog they run on was made and how long that took. Example data, not Souk's:
 * `pnpm seed --reset` drops it with the schema.
 */
async function recordSeed(target: SeedTarget, seed: string, report: SeedReport): Promise<void> {
  const table = sql.id(target.schema, 'demo_seed')
  await sql`create table if not exists ${table} (
    seeded_at timestamptz not null default now(), seed text not null, report jsonb not null)`.execute(
    target.db,
  )
  await sql`insert into ${table} (seed, report) values (${seed}, ${JSON.stringify(report)}::jsonb)`.execute(
    target.db,
  )
}

/** The seed's last report, or null when the database was not filled by {@link seedDemo}. */
export async function lastSeedReport(target: SeedTarget): Promise<(SeedReport & { seed: string }) | null> {
  const { rows } = await sql<{ seed: string; report: SeedReport | string }>`
    select seed, report from ${sql.id(target.schema, 'demo_seed')} order by seeded_at desc limit 1`
    .execute(target.db)
    .catch((error: unknown) => {
      // 42P01: no such table, the database was not seeded by seedDemo.
      if ((error as { code?: string }).code === '42P01') return { rows: [] }
      throw error
    })
  const row = rows[0]
  if (!row) return null
  const report = typeof row.report === 'string' ? (JSON.parse(row.report) as SeedReport) : row.report
  return { ...report, seed: row.seed }
}

/** Shipping zones and methods in USD and EUR, and the demo's promo codes. */
async function seedShippingAndPromotions(commerce: Commerce): Promise<string[]> {
  const { shipping, promotions } = commerce
  const usd = (amount: number) => ({ amount, currency: 'USD' })
  const eur = (amount: number) => ({ amount, currency: 'EUR' })
  const us = await shipping.createZone({ name: 'United States', countries: ['US'] })
  const europe = await shipping.createZone({
    name: 'Europe',
    countries: ['DE', 'FR', 'NL', 'BE', 'AT', 'ES', 'IT', 'PT', 'IE', 'GB', 'DK', 'SE', 'FI', 'PL'],
  })
  const world = await shipping.createZone({ name: 'Rest of world', countries: ['*'] })
  const days = (min: number, max: number) => ({ min, max })
  for (const zone of [us, europe]) {
    const local = zone === us
    for (const money of [usd, eur]) {
      const cheap = local === (money === usd)
      await shipping.createMethod({
        zoneId: zone.id,
        kind: 'free_over',
        name: 'Standard',
        carrier: 'Souk Post',
        price: money(cheap ? 499 : 999),
        threshold: money(5000),
        estimatedDays: days(cheap ? 3 : 5, cheap ? 5 : 8),
      })
      await shipping.createMethod({
        zoneId: zone.id,
        kind: 'flat',
        name: 'Express',
        carrier: 'Souk Express',
        price: money(cheap ? 1499 : 2499),
        estimatedDays: days(1, 2),
      })
    }
  }
  for (const money of [usd, eur]) {
    await shipping.createMethod({
      zoneId: world.id,
      kind: 'weight_table',
      name: 'International',
      carrier: 'Souk Post',
      brackets: [
        { upToGrams: 1000, price: money(1499) },
        { upToGrams: 5000, price: money(2999) },
        { upToGrams: 30_000, price: money(5999) },
      ],
      estimatedDays: days(7, 14),
    })
  }
  await promotions.create({ code: 'WELCOME10', kind: 'percentage', percent: '10' })
  await promotions.create({ code: 'FREESHIP', kind: 'free_shipping' })
  await promotions.create({ code: 'TAKE5', kind: 'fixed', amount: usd(500), minSubtotal: usd(3000) })
  return ['WELCOME10', 'FREESHIP', 'TAKE5']
}

async function rebuildSearch(
  commerce: Commerce,
  onProgress: (done: number, total: number) => void,
): Promise<number> {
  const { indexed } = await commerce.search.reindex({
    batchSize: 1000,
    onProgress: (p) => onProgress(p.done, p.total),
  })
  // The bulk insert wrote no outbox rows, so there is nothing for sync to replay.
  return indexed
}
