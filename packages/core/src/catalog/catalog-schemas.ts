import { z } from 'zod'
import { entityIdSchema, MAX_LINE_QUANTITY, skuSchema } from '../inventory/inventory-schemas.js'
import { currencyCodeSchema } from '../money/currencies.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'
import { text } from '../validation/text-schema.js'

/** Largest price of one variant, in minor units. */
export const MAX_PRICE_AMOUNT = 1_000_000_000_000_000
/** Most variants one product may have. */
export const MAX_VARIANTS = 100
/** Most images one product may have. */
export const MAX_IMAGES = 50
/** Most tags one product may have. */
export const MAX_TAGS = 50
/** Deepest category tree (a root is depth 1). */
export const MAX_CATEGORY_DEPTH = 10
/** Largest page `listProducts` and `listReviews` return. */
export const MAX_PAGE_SIZE = 100
/** Page size when a call names none. */
export const DEFAULT_PAGE_SIZE = 20
/** Most SKUs one `getVariantsBySku` call may ask for. */
export const MAX_SKUS_PER_LOOKUP = 500

// Names are required single lines; prose keeps line breaks, tabs and its own white space.
const line = (what: string, max: number) => text({ min: 1, max, label: what })
const prose = (what: string, max: number) => text({ max, multiline: true, label: what })

/** Lower-case words joined by single hyphens, e.g. `blue-cotton-tee`. Unique per product/category/seller. */
export const slugSchema = z
  .string()
  .min(1, 'slug must not be empty')
  .max(200, 'slug must be at most 200 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'slug may hold lower-case letters and digits joined by single hyphens')

export const productStatusSchema = z.enum(['draft', 'active', 'archived'])
export const productSortSchema = z.enum(['newest', 'price_asc', 'price_desc', 'popular', 'rating'])

/** A price: non-negative integer minor units in a known currency. */
export const productPriceSchema = z.strictObject({
  amount: z
    .number()
    .int('amount must be whole minor units')
    .min(0, 'a price must not be negative')
    .max(MAX_PRICE_AMOUNT, `a price must be at most ${MAX_PRICE_AMOUNT} minor units`),
  currency: currencyCodeSchema,
})

// Host-side customer ids are opaque: any printable text.
const reviewerIdSchema = line('customer id', 200)

const stringRecord = (what: string, maxKeys: number, maxKey: number, maxValue: number) =>
  z
    .record(line(`${what} name`, maxKey), line(`${what} value`, maxValue))
    .refine((r) => Object.keys(r).length <= maxKeys, `at most ${maxKeys} ${what}s`)

export const variantInputSchema = z
  .strictObject({
    sku: skuSchema,
    /** Option values such as `{ size: 'M' }`. Default `{}`. */
    options: stringRecord('option', 10, 50, 100).default({}),
    /** One price per currency; at least one. */
    prices: z
      .array(productPriceSchema)
      .min(1, 'a variant needs at least one price')
      .max(50)
      .refine((ps) => new Set(ps.map((p) => p.currency)).size === ps.length, 'one price per currency'),
    /** Shipping weight. Default 0. */
    weightGrams: z.number().int().min(0).max(10_000_000).default(0),
    /**
     * The was-price shown struck through ("was 30, now 20"): in the currency of one of `prices` and
     * above that price. Default null.
     */
    compareAtPrice: productPriceSchema.nullable().default(null),
  })
  .superRefine((v, ctx) => {
    if (v.compareAtPrice === null) return
    const { amount, currency } = v.compareAtPrice
    const price = v.prices.find((p) => p.currency === currency)
    if (!price) {
      ctx.addIssue({
        code: 'custom',
        path: ['compareAtPrice', 'currency'],
        message: `compareAtPrice must be in the currency of one of the prices (${v.prices.map((p) => p.currency).join(', ')})`,
      })
    } else if (amount <= price.amount) {
      ctx.addIssue({
        code: 'custom',
        path: ['compareAtPrice', 'amount'],
        message: `compareAtPrice must be above the price (${price.amount} ${currency})`,
      })
    }
  })
export type VariantInput = z.input<typeof variantInputSchema>

export const imageInputSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }).max(2048),
  alt: prose('alt text', 500).default(''),
  /** Display order. Default: the image's index in the list. */
  position: z.number().int().min(0).max(10_000).optional(),
  /** At most one image is primary. Default: the first image by position. */
  primary: z.boolean().default(false),
})
export type ImageInput = z.input<typeof imageInputSchema>

const tagsSchema = z
  .array(line('tag', 50))
  .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .transform((tags) => [...new Set(tags)])

const variantsSchema = z
  .array(variantInputSchema)
  .min(1, 'a product needs at least one variant')
  .max(MAX_VARIANTS, `at most ${MAX_VARIANTS} variants`)
  .superRefine((variants, ctx) => {
    const skus = new Set<string>()
    const combos = new Set<string>()
    variants.forEach((v, i) => {
      if (skus.has(v.sku)) ctx.addIssue({ code: 'custom', path: [i, 'sku'], message: 'duplicate SKU' })
      skus.add(v.sku)
      const combo = JSON.stringify(Object.entries(v.options).sort(([a], [b]) => (a < b ? -1 : 1)))
      if (combos.has(combo))
        ctx.addIssue({ code: 'custom', path: [i, 'options'], message: 'duplicate option values' })
      combos.add(combo)
    })
  })

const imagesSchema = z
  .array(imageInputSchema)
  .max(MAX_IMAGES, `at most ${MAX_IMAGES} images`)
  .refine((images) => images.filter((i) => i.primary).length <= 1, 'at most one primary image')

const productFields = {
  slug: slugSchema,
  name: line('name', 300),
  description: prose('description', 20_000),
  status: productStatusSchema,
  categoryId: entityIdSchema.nullable(),
  sellerId: entityIdSchema.nullable(),
  tags: tagsSchema,
  attributes: stringRecord('attribute', 100, 100, 2000),
  variants: variantsSchema,
  images: imagesSchema,
}

export const createProductSchema = z.strictObject({
  ...productFields,
  /** Default `''`. */
  description: productFields.description.default(''),
  /** Default `'draft'`: a new product is invisible to listings until it is made active. */
  status: productFields.status.default('draft'),
  categoryId: productFields.categoryId.default(null),
  sellerId: productFields.sellerId.default(null),
  tags: productFields.tags.default([]),
  attributes: productFields.attributes.default({}),
  images: productFields.images.default([]),
})
export type CreateProductInput = z.input<typeof createProductSchema>

/**
 * The product to change and the fields to change: every field optional, at least one given;
 * `variants` and `images`, when given, replace the current ones.
 */
export const updateProductSchema = z
  .strictObject({
    productId: entityIdSchema,
    slug: productFields.slug.optional(),
    name: productFields.name.optional(),
    description: productFields.description.optional(),
    status: productFields.status.optional(),
    categoryId: productFields.categoryId.optional(),
    sellerId: productFields.sellerId.optional(),
    tags: productFields.tags.optional(),
    attributes: productFields.attributes.optional(),
    variants: productFields.variants.optional(),
    images: productFields.images.optional(),
    /**
     * Change the product only while this seller owns it (checked in the write itself);
     * otherwise `not_found`. What the seller portal passes. Not a field to change.
     */
    expectedSellerId: entityIdSchema.optional(),
  })
  .refine(
    ({ productId: _productId, expectedSellerId: _expected, ...patch }) =>
      Object.values(patch).some((v) => v !== undefined),
    'nothing to update',
  )
export type UpdateProductInput = z.input<typeof updateProductSchema>

export const createSellerSchema = z.strictObject({ slug: slugSchema, name: line('name', 200) })
export type CreateSellerInput = z.input<typeof createSellerSchema>

export const createCategorySchema = z.strictObject({
  slug: slugSchema,
  name: line('name', 200),
  /** Default null: a root category. */
  parentId: entityIdSchema.nullable().default(null),
  /** Order among siblings. Default 0. */
  position: z.number().int().min(0).max(1_000_000).default(0),
})
export type CreateCategoryInput = z.input<typeof createCategorySchema>

/** `updateCategory`: rename (slug, name) or reorder among siblings; at least one field. */
export const updateCategorySchema = z
  .strictObject({
    categoryId: entityIdSchema,
    slug: slugSchema.optional(),
    name: line('name', 200).optional(),
    position: z.number().int().min(0).max(1_000_000).optional(),
  })
  .refine(
    (u) => u.slug !== undefined || u.name !== undefined || u.position !== undefined,
    'nothing to update',
  )
export type UpdateCategoryInput = z.input<typeof updateCategorySchema>

/** `moveCategory`: a new parent (null: make it a root), and optionally its position there. */
export const moveCategorySchema = z.strictObject({
  categoryId: entityIdSchema,
  parentId: entityIdSchema.nullable(),
  /** Order among the new siblings. Default: keep the current position. */
  position: z.number().int().min(0).max(1_000_000).optional(),
})
export type MoveCategoryInput = z.input<typeof moveCategorySchema>

/** One category by id, for `deleteCategory`. */
export const categoryRefSchema = z.strictObject({ categoryId: entityIdSchema })
export type CategoryRefInput = z.input<typeof categoryRefSchema>

/** One product by id. */
export const productRefSchema = z.strictObject({ productId: entityIdSchema })
export type ProductRef = z.input<typeof productRefSchema>

/** The product to archive; `expectedSellerId` as for `updateProduct`. */
export const archiveProductSchema = z.strictObject({
  productId: entityIdSchema,
  expectedSellerId: entityIdSchema.optional(),
})
export type ArchiveProductInput = z.input<typeof archiveProductSchema>

/**
 * One product, by id or by slug: exactly one of `productId` (what admin screens, order lines and
 * carts hold) and `slug` (what storefront URLs hold). Each matches only its own field, so a slug
 * never answers for an id.
 */
export const getProductSchema = z
  .strictObject({
    productId: entityIdSchema.optional(),
    slug: slugSchema.optional(),
    /** Currency of `price` on the product and each variant. Default: none (prices stay null). */
    currency: currencyCodeSchema.optional(),
  })
  // A refinement, not a union of two shapes: a union would hide a bad currency behind "no shape fits".
  .refine(
    (q) => (q.productId === undefined) !== (q.slug === undefined),
    'give either productId or slug, not both',
  )
/** The compiler, too, asks for exactly one of `productId` and `slug`. */
export type GetProductInput = Omit<z.input<typeof getProductSchema>, 'productId' | 'slug'> &
  ({ productId: string; slug?: undefined } | { slug: string; productId?: undefined })

const limitSchema = pageLimitSchema(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)

export const listProductsSchema = z
  .strictObject({
    /** The category and all its descendants. */
    categoryId: entityIdSchema.optional(),
    /** Products whose lowest price in that currency is at least this. */
    priceMin: productPriceSchema.optional(),
    /** Products whose lowest price in that currency is at most this. */
    priceMax: productPriceSchema.optional(),
    /**
     * Currency for `price` on each item and for price sorts; only products sold in it are listed.
     * Default: the currency of `priceMin`/`priceMax`, else none.
     */
    currency: currencyCodeSchema.optional(),
    /** true: only products with a variant in stock; false: only products with none. */
    inStock: z.boolean().optional(),
    sellerId: entityIdSchema.optional(),
    /** Products carrying every one of these tags. */
    tags: z.array(line('tag', 50)).min(1).max(10).optional(),
    /** Default `'active'`. */
    status: productStatusSchema.default('active'),
    /** Default `'newest'`. */
    sort: productSortSchema.default('newest'),
    /** From the previous page's `nextCursor`. */
    cursor: cursorSchema.optional(),
    /** Default 20, at most 100. */
    limit: limitSchema,
  })
  .superRefine((q, ctx) => {
    const currencies = [q.currency, q.priceMin?.currency, q.priceMax?.currency].filter((c) => c !== undefined)
    if (new Set(currencies).size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['currency'],
        message: 'currency, priceMin and priceMax disagree',
      })
    }
    if ((q.sort === 'price_asc' || q.sort === 'price_desc') && currencies.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'a price sort needs a currency' })
    }
    if (q.priceMin && q.priceMax && q.priceMin.amount > q.priceMax.amount) {
      ctx.addIssue({ code: 'custom', path: ['priceMin'], message: 'priceMin is above priceMax' })
    }
  })
export type ListProductsInput = z.input<typeof listProductsSchema>

export const addReviewSchema = z.strictObject({
  productId: entityIdSchema,
  customerId: reviewerIdSchema,
  rating: z.number().int('rating must be a whole number').min(1).max(5),
  title: text({ max: 200, label: 'title' }).default(''),
  body: prose('body', 10_000).default(''),
})
export type AddReviewInput = z.input<typeof addReviewSchema>

export const listReviewsSchema = z.strictObject({
  productId: entityIdSchema,
  /** From the previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 20, at most 100. */
  limit: limitSchema,
})
export type ListReviewsInput = z.input<typeof listReviewsSchema>

/** Default width of the similar-products price band: ±20%. */
export const DEFAULT_SIMILAR_PRICE_BAND_PERCENT = 20

/**
 * How far, in whole percent, a similar product's lowest price may lie from the product's (both in
 * the product's primary currency), inclusive: 20 keeps 800 to 1200 around 1000; 0 only the same
 * price; 100 anything from free to double.
 */
export const similarPriceBandSchema = z
  .number()
  .int('the price band is whole percent')
  .min(0, 'the price band must not be negative')
  .max(100, 'the price band is at most 100 percent')

export const recommendationsSchema = z.strictObject({
  productId: entityIdSchema,
  /** Most products in each list. Default 8, at most 50. */
  limit: z.number().int().min(1).max(50).default(8),
  /** Currency of `price` on each item. Default: the product's primary currency. */
  currency: currencyCodeSchema.optional(),
})
export type RecommendationsInput = z.input<typeof recommendationsSchema>

export const variantsBySkuSchema = z.strictObject({
  /** At least 1, at most 500; repeats are looked up once. */
  skus: z.array(skuSchema).min(1).max(MAX_SKUS_PER_LOOKUP),
  currency: currencyCodeSchema,
})
export type VariantsBySkuInput = z.input<typeof variantsBySkuSchema>

/** Lines of a sale, each by SKU or by product id: at least 1, at most 1000. */
export const unitsSoldLinesSchema = z
  .array(
    z.union([
      z.strictObject({ sku: skuSchema, quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY) }),
      z.strictObject({ productId: entityIdSchema, quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY) }),
    ]),
  )
  .min(1)
  .max(1000)

export const recordSaleSchema = z.strictObject({ lines: unitsSoldLinesSchema })
export type RecordSaleInput = z.input<typeof recordSaleSchema>

/** Most products one `warm` call may load. */
export const MAX_WARM_COUNT = 10_000

export const warmSchema = z.strictObject({
  /** How many of the most popular active products to load: at least 1, at most 10,000. */
  count: z.number().int().min(1).max(MAX_WARM_COUNT),
})
export type WarmInput = z.input<typeof warmSchema>
