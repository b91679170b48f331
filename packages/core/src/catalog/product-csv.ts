import type { z } from 'zod'
import { CommerceError, isCommerceError } from '../errors/commerce-error.js'
import { ValidationError } from '../errors/error-classes.js'
import { MAX_ON_HAND } from '../inventory/inventory-schemas.js'
import type { InventoryService } from '../inventory/inventory-service.js'
import { currencyCodeSchema } from '../money/currencies.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type CreateProductInput,
  createProductSchema,
  MAX_CATEGORY_DEPTH,
  MAX_PRICE_AMOUNT,
  productStatusSchema,
  slugSchema,
} from './catalog-schemas.js'
import type { CatalogService } from './catalog-service.js'
import type { Category, CategoryNode, ProductDetail, ProductStatus } from './catalog-types.js'
import { type CsvLimits, type CsvRecord, type CsvSource, csvLine, readCsvRecords } from './csv-records.js'

/*
 * Bulk import and export of products with their variants, prices and stock, as CSV. One row per
 * variant; a product's rows are consecutive and share its `handle`. See docs/catalog.md for the
 * format; the column list is PRODUCT_CSV_COLUMNS plus the per-currency and per-location columns.
 */

/**
 * The fixed columns, in the order export writes them. Product columns (`handle` to `images`) are
 * read from a product's first row; on its other rows they are empty or repeat the same value.
 */
export const PRODUCT_CSV_COLUMNS = [
  'handle',
  'name',
  'description',
  'status',
  'category',
  'category_names',
  'seller',
  'seller_name',
  'tags',
  'attributes',
  'images',
  'sku',
  'options',
  'weight_grams',
] as const
type FixedColumn = (typeof PRODUCT_CSV_COLUMNS)[number]

/** `price:EUR`: the variant's price in minor units; empty when it has none in that currency. */
export const PRICE_COLUMN_PREFIX = 'price:'
/** `compare_at:EUR`: the variant's was-price (at most one currency per variant). */
export const COMPARE_AT_COLUMN_PREFIX = 'compare_at:'
/** `stock:<location id>`: on hand there; empty leaves that level as it is. */
export const STOCK_COLUMN_PREFIX = 'stock:'

const PRODUCT_COLUMNS: readonly FixedColumn[] = PRODUCT_CSV_COLUMNS.slice(
  0,
  PRODUCT_CSV_COLUMNS.indexOf('sku'),
)
const STATUSES: readonly ProductStatus[] = ['draft', 'active', 'archived']
/** Products an export reads at the same time. */
const EXPORT_READ_CONCURRENCY = 8
/** Default products an import writes at the same time. */
export const DEFAULT_IMPORT_CONCURRENCY = 4
/** Default most errors a report lists (all are counted). */
export const DEFAULT_MAX_CSV_ERRORS = 1000

/** A problem with one row (or, for a product-wide one, the product's first row). */
export interface ProductCsvError {
  /** Line in the file where the row starts (1 is the header). */
  readonly line: number
  /** The column at fault, when one is. */
  readonly column: string | null
  readonly handle: string | null
  readonly message: string
}

export interface CsvProgress {
  /** Rows (import) or products (export) done so far. */
  readonly done: number
  readonly total: number
}

export interface ProductCsvImportOptions {
  /**
   * The CSV. Import reads it twice (a check of the whole file, then the writes), so a file is best
   * given as a function that opens it again each time (`() => createReadStream(path)`); a one-shot
   * stream is buffered in memory for the second read.
   */
  readonly source: CsvSource | (() => CsvSource)
  /** Check everything and write nothing. Default false. */
  readonly dryRun?: boolean
  /** Called with rows done after the check (0 done) and after every product. */
  readonly onProgress?: (progress: CsvProgress) => void
  /** Field, record and input size limits (see `CsvLimits`). */
  readonly limits?: CsvLimits
  /** Most errors listed in the report. Default 1000. */
  readonly maxErrors?: number
  /** Products written at the same time. Default 4. */
  readonly concurrency?: number
}

export interface ProductCsvImportReport {
  /** Data rows read (the header excluded). */
  readonly rows: number
  /** Products (distinct handles) read. */
  readonly products: number
  readonly created: number
  readonly updated: number
  /** Products already exactly as the file says: not written. */
  readonly unchanged: number
  /** Stock levels written (a level already at the file's count is not written again). */
  readonly stockLevels: number
  /** Products not written because a row of theirs is invalid or their write was refused. */
  readonly failed: number
  /** The first `maxErrors` problems, in file order. */
  readonly errors: readonly ProductCsvError[]
  /** All problems found. */
  readonly errorCount: number
  readonly dryRun: boolean
}

export interface ProductCsvExportOptions {
  /**
   * The currencies to write price columns for. Given, export streams in constant memory in
   * listing order (status, then newest first); omitted, it loads every product first to find the
   * currencies and writes them sorted by handle (fine up to some 100k products).
   */
  readonly currencies?: readonly string[]
  /** Called with products done after every product. */
  readonly onProgress?: (progress: CsvProgress) => void
}

/** What import and export use: `commerce` fits as it is. */
export interface ProductCsvDeps {
  readonly catalog: Pick<
    CatalogService,
    | 'getProduct'
    | 'createProduct'
    | 'updateProduct'
    | 'listProducts'
    | 'listCategories'
    | 'createCategory'
    | 'createSeller'
    | 'getSellersBySlug'
  >
  readonly inventory: Pick<InventoryService, 'setStock' | 'getLevels' | 'listLocations'>
}

// ---------------------------------------------------------------------------------------------
// Lists inside a field: items split by `|`, key=value pairs, category paths split by `/`. A
// backslash escapes the next character, so any text survives a round trip.

function splitEscaped(text: string, separator: string): string[] {
  if (text === '') return []
  const parts: string[] = []
  let current = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1]
      i++
    } else if (c === separator) {
      parts.push(current)
      current = ''
    } else current += c
  }
  parts.push(current)
  return parts
}

function unescapeText(text: string): string {
  return text.replace(/\\(.)/g, '$1')
}

function escapeText(text: string, specials: string): string {
  let out = ''
  for (const c of text) out += c === '\\' || specials.includes(c) ? `\\${c}` : c
  return out
}

function splitPairs(text: string): [string, string][] | string {
  const pairs: [string, string][] = []
  for (const item of splitEscaped(text, '|')) {
    const eq = splitEscaped(item, '=')
    if (eq.length !== 2) return `"${unescapeText(item)}" is not name=value (escape = and | in values with \\)`
    pairs.push([unescapeText(eq[0]!).trim(), unescapeText(eq[1]!).trim()])
  }
  return pairs
}

const joinPairs = (record: Readonly<Record<string, string>>) =>
  Object.entries(record)
    .map(([k, v]) => `${escapeText(k, '|=')}=${escapeText(v, '|=')}`)
    .join('|')

// ---------------------------------------------------------------------------------------------
// The header

interface Header {
  readonly index: Partial<Record<FixedColumn, number>>
  readonly prices: readonly { currency: string; at: number }[]
  readonly compareAt: readonly { currency: string; at: number }[]
  readonly stock: readonly { locationId: string; at: number }[]
  readonly width: number
}

function readHeader(record: CsvRecord): Header {
  const issues: { path: string; message: string }[] = []
  const index: Partial<Record<FixedColumn, number>> = {}
  const prices: { currency: string; at: number }[] = []
  const compareAt: { currency: string; at: number }[] = []
  const stock: { locationId: string; at: number }[] = []
  const seen = new Set<string>()
  record.fields.forEach((raw, at) => {
    const name = raw.trim()
    const lower = name.toLowerCase()
    const key = lower.startsWith(STOCK_COLUMN_PREFIX)
      ? `stock:${name.slice(STOCK_COLUMN_PREFIX.length)}`
      : lower
    if (seen.has(key))
      issues.push({ path: `line 1, column ${at + 1}`, message: `column "${name}" appears twice` })
    seen.add(key)
    const money = (prefix: string, into: { currency: string; at: number }[]) => {
      const parsed = currencyCodeSchema.safeParse(name.slice(prefix.length).trim().toUpperCase())
      if (parsed.success) into.push({ currency: parsed.data, at })
      else issues.push({ path: `line 1, column ${at + 1}`, message: `"${name}": not an ISO 4217 currency` })
    }
    if (lower.startsWith(PRICE_COLUMN_PREFIX)) money(PRICE_COLUMN_PREFIX, prices)
    else if (lower.startsWith(COMPARE_AT_COLUMN_PREFIX)) money(COMPARE_AT_COLUMN_PREFIX, compareAt)
    else if (lower.startsWith(STOCK_COLUMN_PREFIX)) {
      const locationId = name.slice(STOCK_COLUMN_PREFIX.length).trim()
      if (/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/.test(locationId)) stock.push({ locationId, at })
      else issues.push({ path: `line 1, column ${at + 1}`, message: `"${name}": not a location id` })
    } else if ((PRODUCT_CSV_COLUMNS as readonly string[]).includes(lower)) index[lower as FixedColumn] = at
    else issues.push({ path: `line 1, column ${at + 1}`, message: `unknown column "${name}"` })
  })
  if (index.handle === undefined)
    issues.push({ path: 'line 1', message: 'the header needs a "handle" column' })
  if (index.sku === undefined) issues.push({ path: 'line 1', message: 'the header needs a "sku" column' })
  if (prices.length === 0)
    issues.push({ path: 'line 1', message: 'the header needs a price column, e.g. "price:EUR"' })
  if (issues.length > 0) throw new ValidationError(`Invalid CSV header: ${issues[0]!.message}`, issues)
  return { index, prices, compareAt, stock, width: record.fields.length }
}

// ---------------------------------------------------------------------------------------------
// Rows and products

interface Row {
  readonly line: number
  readonly handle: string
  readonly cells: readonly string[]
  /** Set when the row's shape is wrong (its field count): nothing else of it is read. */
  readonly problem?: string
}

interface ProductGroup {
  readonly handle: string
  readonly rows: Row[]
}

/** A product as the file says, validated, with what must be resolved against the store. */
interface PlannedProduct {
  readonly handle: string
  readonly rows: readonly Row[]
  readonly input: z.output<typeof createProductSchema>
  /** Slugs root first, with names; null when the file has no category column. */
  readonly category: readonly { slug: string; name: string }[] | null
  readonly seller: { slug: string; name: string } | null | undefined
  readonly stock: readonly { line: number; sku: string; locationId: string; onHand: number }[]
}

type Problem = Omit<ProductCsvError, 'handle'>

const cellOf = (header: Header, row: Row, column: FixedColumn): string | undefined => {
  const at = header.index[column]
  return at === undefined ? undefined : row.cells[at]
}

const COLUMN_OF_FIELD: Record<string, string> = {
  slug: 'handle',
  name: 'name',
  description: 'description',
  status: 'status',
  tags: 'tags',
  attributes: 'attributes',
  images: 'images',
  sku: 'sku',
  options: 'options',
  weightGrams: 'weight_grams',
  prices: 'price',
  compareAtPrice: 'compare_at',
}

function integerCell(text: string, min: number, max: number): number | string {
  if (!/^-?\d+$/.test(text)) return `"${text}" is not a whole number`
  const value = Number(text)
  if (value < min) return `${value} is below ${min}`
  if (value > max) return `${value} is above ${max}`
  return value
}

/** Validates one product's rows and builds what to write. */
function planProduct(header: Header, group: ProductGroup): PlannedProduct | Problem[] {
  const problems: Problem[] = group.rows.flatMap((row) =>
    row.problem === undefined ? [] : [{ line: row.line, column: null, message: row.problem }],
  )
  if (problems.length > 0) return problems
  const first = group.rows[0]!
  const product: Partial<Record<FixedColumn, string>> = {}
  for (const column of PRODUCT_COLUMNS) {
    const value = cellOf(header, first, column)
    if (value !== undefined) product[column] = value
  }
  for (const row of group.rows.slice(1)) {
    for (const column of PRODUCT_COLUMNS) {
      const value = cellOf(header, row, column)
      if (column !== 'handle' && value !== undefined && value !== '' && value !== product[column]) {
        problems.push({
          line: row.line,
          column,
          message: `differs from line ${first.line}: product columns are empty or equal on a product's later rows`,
        })
      }
    }
  }

  const variants: Record<string, unknown>[] = []
  const stock: { line: number; sku: string; locationId: string; onHand: number }[] = []
  for (const row of group.rows) {
    const sku = (cellOf(header, row, 'sku') ?? '').trim()
    const prices: { amount: number; currency: string }[] = []
    for (const { currency, at } of header.prices) {
      const text = (row.cells[at] ?? '').trim()
      if (text === '') continue
      const amount = integerCell(text, 0, MAX_PRICE_AMOUNT)
      if (typeof amount === 'string') {
        problems.push({
          line: row.line,
          column: `price:${currency}`,
          message: `price ${amount} (whole minor units)`,
        })
      } else prices.push({ amount, currency })
    }
    let compareAtPrice: { amount: number; currency: string } | null = null
    for (const { currency, at } of header.compareAt) {
      const text = (row.cells[at] ?? '').trim()
      if (text === '') continue
      const amount = integerCell(text, 0, MAX_PRICE_AMOUNT)
      if (typeof amount === 'string') {
        problems.push({
          line: row.line,
          column: `compare_at:${currency}`,
          message: `compare-at price ${amount}`,
        })
      } else if (compareAtPrice !== null) {
        problems.push({
          line: row.line,
          column: `compare_at:${currency}`,
          message: 'a variant has at most one compare-at price',
        })
      } else compareAtPrice = { amount, currency }
    }
    const optionsText = cellOf(header, row, 'options') ?? ''
    const options = splitPairs(optionsText)
    if (typeof options === 'string') problems.push({ line: row.line, column: 'options', message: options })
    const weightText = (cellOf(header, row, 'weight_grams') ?? '').trim()
    const weight = weightText === '' ? 0 : integerCell(weightText, 0, 10_000_000)
    if (typeof weight === 'string') problems.push({ line: row.line, column: 'weight_grams', message: weight })
    for (const { locationId, at } of header.stock) {
      const text = (row.cells[at] ?? '').trim()
      if (text === '') continue
      const onHand = integerCell(text, 0, MAX_ON_HAND)
      if (typeof onHand === 'string') {
        problems.push({ line: row.line, column: `stock:${locationId}`, message: `stock ${onHand}` })
      } else stock.push({ line: row.line, sku, locationId, onHand })
    }
    variants.push({
      sku,
      options: typeof options === 'string' ? {} : Object.fromEntries(options),
      prices,
      weightGrams: typeof weight === 'string' ? 0 : weight,
      ...(header.compareAt.length > 0 ? { compareAtPrice } : {}),
    })
  }

  const attributes = splitPairs(product.attributes ?? '')
  if (typeof attributes === 'string')
    problems.push({ line: first.line, column: 'attributes', message: attributes })
  const images = splitEscaped(product.images ?? '', '|').map((item) => {
    const text = item.trim()
    const space = text.search(/\s/)
    return space === -1
      ? { url: unescapeText(text) }
      : { url: unescapeText(text.slice(0, space)), alt: unescapeText(text.slice(space + 1).trim()) }
  })
  const status = (product.status ?? '').trim().toLowerCase()
  if (status !== '' && !productStatusSchema.safeParse(status).success) {
    problems.push({
      line: first.line,
      column: 'status',
      message: `"${status}" is not draft, active or archived`,
    })
  }

  let category: { slug: string; name: string }[] | null = null
  if (product.category !== undefined) {
    const slugs = product.category.trim() === '' ? [] : product.category.split('/').map((s) => s.trim())
    const names = splitEscaped(product.category_names ?? '', '/').map((n) => unescapeText(n).trim())
    if (slugs.length > MAX_CATEGORY_DEPTH) {
      problems.push({ line: first.line, column: 'category', message: `at most ${MAX_CATEGORY_DEPTH} levels` })
    }
    for (const slug of slugs) {
      if (!slugSchema.safeParse(slug).success) {
        problems.push({
          line: first.line,
          column: 'category',
          message: `"${slug}" is not a slug (a-z, 0-9, single hyphens)`,
        })
      }
    }
    if (names.length > 0 && names.length !== slugs.length) {
      problems.push({
        line: first.line,
        column: 'category_names',
        message: `${names.length} names for ${slugs.length} categories`,
      })
    }
    category = slugs.map((slug, i) => ({ slug, name: names[i] || slug }))
    for (const c of category) {
      if (c.name.length > 200)
        problems.push({
          line: first.line,
          column: 'category_names',
          message: 'a name is over 200 characters',
        })
    }
  }
  let seller: { slug: string; name: string } | null | undefined
  if (product.seller !== undefined) {
    const slug = product.seller.trim()
    if (slug !== '' && !slugSchema.safeParse(slug).success) {
      problems.push({ line: first.line, column: 'seller', message: `"${slug}" is not a slug` })
    }
    seller = slug === '' ? null : { slug, name: (product.seller_name ?? '').trim() || slug }
  }

  const candidate: CreateProductInput = {
    slug: group.handle,
    // Without a name column an existing product keeps its name (a new one is refused at write).
    name: product.name ?? group.handle,
    description: product.description ?? '',
    ...(status === '' ? {} : { status: status as ProductStatus }),
    tags: splitEscaped(product.tags ?? '', '|').map((t) => unescapeText(t).trim()),
    attributes: typeof attributes === 'string' ? {} : Object.fromEntries(attributes),
    images,
    variants: variants as CreateProductInput['variants'],
  }
  // The cell problems first: zod would only repeat them in other words (no price, no options).
  if (problems.length > 0) return problems
  const parsed = createProductSchema.safeParse(candidate)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [field, index, sub] = issue.path
      const row = field === 'variants' && typeof index === 'number' ? group.rows[index] : first
      const key = String(field === 'variants' && typeof index === 'number' ? (sub ?? 'sku') : (field ?? ''))
      let column = COLUMN_OF_FIELD[key] ?? null
      if (column === 'price' || column === 'compare_at') column = null
      problems.push({ line: (row ?? first).line, column, message: issue.message })
    }
  }
  if (problems.length > 0 || !parsed.success) return problems
  return { handle: group.handle, rows: group.rows, input: parsed.data, category, seller, stock }
}

/** The rows grouped by product, each planned or with its problems; `undefined` fields stay as stored. */
async function* productGroups(
  source: CsvSource,
  limits: CsvLimits | undefined,
): AsyncGenerator<{ header: Header } | { group: ProductGroup; plan: PlannedProduct | Problem[] }> {
  let header: Header | undefined
  let group: ProductGroup | undefined
  const seen = new Map<string, number>()
  for await (const record of readCsvRecords(source, limits)) {
    if (!header) {
      header = readHeader(record)
      yield { header }
      continue
    }
    // A blank line, or a row of empty fields (spreadsheets write them), is no row.
    if (record.fields.every((f) => f.trim() === '')) continue
    const handle = (record.fields[header.index.handle!] ?? '').trim()
    const width = record.fields.length
    const problem =
      width === header.width ? undefined : `${width} fields where the header has ${header.width}`
    const row: Row = { line: record.line, handle, cells: record.fields, ...(problem ? { problem } : {}) }
    if (group && group.handle === handle) {
      group.rows.push(row)
      continue
    }
    if (group) yield { group, plan: planProduct(header, group) }
    const earlier = seen.get(handle)
    if (earlier !== undefined) {
      group = undefined
      yield {
        group: { handle, rows: [row] },
        plan: [
          {
            line: record.line,
            column: 'handle',
            message: `product "${handle}" already ended at line ${earlier}: a product's rows must be consecutive`,
          },
        ],
      }
      continue
    }
    if (!slugSchema.safeParse(handle).success) {
      group = undefined
      yield {
        group: { handle, rows: [row] },
        plan: [
          {
            line: record.line,
            column: problem ? null : 'handle',
            message: problem ?? `"${handle}" is not a slug (a-z, 0-9, single hyphens)`,
          },
        ],
      }
      continue
    }
    seen.set(handle, record.line)
    group = { handle, rows: [row] }
  }
  if (!header)
    throw new ValidationError('Invalid CSV: the file is empty (it needs a header line)', [
      { path: 'line 1', message: 'no header' },
    ])
  if (group) yield { group, plan: planProduct(header, group) }
}

// ---------------------------------------------------------------------------------------------
// Import

function sameVariants(
  stored: ProductDetail['variants'],
  wanted: z.output<typeof createProductSchema>['variants'],
  compareAt: boolean,
): boolean {
  if (stored.length !== wanted.length) return false
  return wanted.every((w, i) => {
    const s = stored[i]!
    const prices = [...w.prices].sort((a, b) => (a.currency < b.currency ? -1 : 1))
    return (
      s.sku === w.sku &&
      s.weightGrams === w.weightGrams &&
      JSON.stringify(Object.entries(s.options).sort()) === JSON.stringify(Object.entries(w.options).sort()) &&
      JSON.stringify(s.prices.map((p) => [p.amount, p.currency])) ===
        JSON.stringify(prices.map((p) => [p.amount, p.currency])) &&
      (!compareAt ||
        JSON.stringify(s.compareAtPrice ?? null) ===
          JSON.stringify(
            w.compareAtPrice
              ? { amount: w.compareAtPrice.amount, currency: w.compareAtPrice.currency }
              : null,
          ))
    )
  })
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Imports products with their variants, prices and stock from CSV: creates the products whose
 * handle (slug) is new, updates the others where the file differs, and sets stock per location.
 * Idempotent: importing the same file again changes nothing (`unchanged`). Missing categories
 * (by slug path) and sellers (by slug) are created.
 *
 * It reads the file twice. The first read checks everything that needs no database: a file that
 * is not valid CSV, or whose header is wrong, throws `ValidationError` (issue path `line N`)
 * before anything is written. Row problems (a wrong column count, a negative stock, a price that
 * is not whole minor units, a bad slug...) are listed in the report with their line, and the
 * products they belong to are skipped whole: a product is written with all its rows or not at
 * all. The second read writes, product by product (each in one transaction; its stock after).
 *
 * A product's variants are exactly its rows: a SKU the file no longer lists is removed from it.
 * A column absent from the header leaves that field as stored (new products get the default).
 */
export async function importProductsCsv(
  deps: ProductCsvDeps,
  options: ProductCsvImportOptions,
): Promise<ProductCsvImportReport> {
  const { catalog, inventory } = deps
  const dryRun = options.dryRun ?? false
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_CSV_ERRORS
  const errors: ProductCsvError[] = []
  let errorCount = 0
  const report = (handle: string | null, problem: Problem) => {
    errorCount++
    if (errors.length < maxErrors) errors.push({ ...problem, handle })
  }

  let open: () => CsvSource
  if (typeof options.source === 'function') open = options.source as () => CsvSource
  else if (typeof options.source === 'string') {
    const text = options.source
    open = () => text
  } else {
    // A one-shot stream: keep its chunks from the first read for the second.
    const stream = options.source
    const kept: (string | Uint8Array)[] = []
    let read = false
    open = () => {
      if (read) return kept
      read = true
      return (async function* () {
        for await (const chunk of stream as AsyncIterable<string | Uint8Array>) {
          kept.push(chunk)
          yield chunk
        }
      })()
    }
  }

  // First read: structure, header, every row.
  let rows = 0
  let products = 0
  const invalid = new Set<number>()
  // A SKU under two handles of one file: the later product is refused, whatever the write order.
  const skuLines = new Map<string, number>()
  for await (const item of productGroups(open(), options.limits)) {
    if ('header' in item) continue
    rows += item.group.rows.length
    products++
    const { plan } = item
    const problems = Array.isArray(plan) ? plan : []
    if (!Array.isArray(plan)) {
      plan.input.variants.forEach((variant, i) => {
        const earlier = skuLines.get(variant.sku)
        if (earlier === undefined) skuLines.set(variant.sku, plan.rows[i]!.line)
        else {
          problems.push({
            line: plan.rows[i]!.line,
            column: 'sku',
            message: `SKU ${variant.sku} is already on line ${earlier}, of another product`,
          })
        }
      })
    }
    if (problems.length > 0) {
      invalid.add(item.group.rows[0]!.line)
      for (const problem of problems) report(item.group.handle || null, problem)
    }
  }
  options.onProgress?.({ done: 0, total: rows })

  const categories = new Map<string, Category>()
  let categoriesLoaded = false
  async function loadCategories() {
    categories.clear()
    const walk = (nodes: readonly CategoryNode[]) => {
      for (const node of nodes) {
        categories.set(node.slug, node)
        walk(node.children)
      }
    }
    walk(await catalog.listCategories())
    categoriesLoaded = true
  }
  async function categoryId(path: readonly { slug: string; name: string }[]): Promise<string | null> {
    if (!categoriesLoaded) await loadCategories()
    let parentId: string | null = null
    for (const { slug, name } of path) {
      let found = categories.get(slug)
      if (found && found.parentId !== parentId) {
        throw new ValidationError(`Category ${slug} exists under another parent`, [
          { path: 'category', message: `category "${slug}" exists under another parent than the path says` },
        ])
      }
      if (!found) {
        if (dryRun)
          found = { id: `dry-${slug}`, slug, name, parentId, path: [], position: 0, createdAt: new Date(0) }
        else found = await catalog.createCategory({ slug, name, parentId })
        categories.set(slug, found)
      }
      parentId = found.id
    }
    return parentId
  }
  const sellers = new Map<string, string>()
  async function sellerId(seller: { slug: string; name: string }): Promise<string> {
    const known = sellers.get(seller.slug)
    if (known) return known
    const [found] = await catalog.getSellersBySlug({ slugs: [seller.slug] })
    const id = found
      ? found.id
      : dryRun
        ? `dry-${seller.slug}`
        : (await catalog.createSeller({ slug: seller.slug, name: seller.name })).id
    sellers.set(seller.slug, id)
    return id
  }

  let created = 0
  let updated = 0
  let unchanged = 0
  let stockLevels = 0
  let failed = 0
  let done = 0

  /** Categories and sellers, found or created one product at a time (so each is created once). */
  async function resolve(plan: PlannedProduct) {
    const categoryIdValue = plan.category === null ? undefined : await categoryId(plan.category)
    const sellerIdValue =
      plan.seller === undefined ? undefined : plan.seller === null ? null : await sellerId(plan.seller)
    return { categoryIdValue, sellerIdValue }
  }

  async function write(
    plan: PlannedProduct,
    { categoryIdValue, sellerIdValue }: Awaited<ReturnType<typeof resolve>>,
  ): Promise<void> {
    let current: ProductDetail | null = null
    try {
      current = await catalog.getProduct({ slug: plan.handle })
    } catch (error) {
      if (!isCommerceError(error, 'not_found')) throw error
    }
    const input = plan.input
    const has = (column: FixedColumn) => header!.index[column] !== undefined
    if (!current) {
      if (!has('name')) {
        throw new ValidationError(`Product ${plan.handle} is new: the file needs a name column`, [
          { path: 'name', message: 'a new product needs a name' },
        ])
      }
      if (!dryRun) {
        await catalog.createProduct({
          ...input,
          ...(categoryIdValue === undefined ? {} : { categoryId: categoryIdValue }),
          ...(sellerIdValue === undefined ? {} : { sellerId: sellerIdValue }),
        })
      }
      created++
    } else {
      const compareAt = header!.compareAt.length > 0
      const variants = compareAt
        ? input.variants
        : // Without compare-at columns, a kept SKU keeps its compare-at price.
          input.variants.map((v) => ({
            ...v,
            compareAtPrice: current!.variants.find((s) => s.sku === v.sku)?.compareAtPrice ?? null,
          }))
      const patch: Record<string, unknown> = {}
      if (has('name') && current.name !== input.name) patch.name = input.name
      if (has('description') && current.description !== input.description)
        patch.description = input.description
      if (has('status') && current.status !== input.status) patch.status = input.status
      if (has('tags') && !sameJson(current.tags, input.tags)) patch.tags = input.tags
      if (
        has('attributes') &&
        !sameJson(Object.entries(current.attributes).sort(), Object.entries(input.attributes).sort())
      )
        patch.attributes = input.attributes
      if (
        has('images') &&
        !sameJson(
          current.images.map((i) => [i.url, i.alt]),
          input.images.map((i) => [i.url, i.alt]),
        )
      )
        patch.images = input.images
      if (categoryIdValue !== undefined && current.categoryId !== categoryIdValue)
        patch.categoryId = categoryIdValue
      if (sellerIdValue !== undefined && current.sellerId !== sellerIdValue) patch.sellerId = sellerIdValue
      if (!sameVariants(current.variants, input.variants, compareAt)) patch.variants = variants
      if (Object.keys(patch).length === 0) unchanged++
      else {
        if (!dryRun) await catalog.updateProduct({ productId: current.id, ...patch })
        updated++
      }
    }
    if (dryRun) return
    // An existing product's levels already at the file's count are not written again.
    const known = new Map<string, number>()
    if (current) {
      const skus = [...new Set(plan.stock.map((l) => l.sku))]
      await Promise.all(
        skus.map(async (sku) => {
          try {
            for (const l of await inventory.getLevels({ sku }))
              known.set(`${sku}\u0000${l.locationId}`, l.onHand)
          } catch (error) {
            if (!isCommerceError(error, 'not_found')) throw error
          }
        }),
      )
    }
    // One level at a time: levels of one SKU share its inventory row, and setting them side by side
    // deadlocks under load. A transient conflict (deadlock, serialization) is retried.
    for (const level of plan.stock) {
      if (known.get(`${level.sku}\u0000${level.locationId}`) === level.onHand) continue
      try {
        await retryTransient(() =>
          inventory.setStock({ sku: level.sku, locationId: level.locationId, onHand: level.onHand }),
        )
        stockLevels++
      } catch (error) {
        if (!(error instanceof CommerceError) || error.code.startsWith('storage.')) throw error
        report(plan.handle, {
          line: level.line,
          column: `stock:${level.locationId}`,
          message: error.message,
        })
      }
    }
  }

  // Second read: the writes, a few products at a time (each product's own writes stay in order).
  let header: Header | undefined
  const concurrency = options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY
  const running = new Set<Promise<void>>()
  let fatal: unknown
  function fail(plan: PlannedProduct, error: unknown) {
    // Storage outages and bugs are not a row's fault: stop, as nothing after would fare better.
    if (!(error instanceof CommerceError) || error.code.startsWith('storage.')) {
      fatal ??= error
      return
    }
    failed++
    const sku = typeof error.details.sku === 'string' ? error.details.sku : undefined
    const row = plan.rows.find((r) => sku !== undefined && (r.cells[header!.index.sku!] ?? '').trim() === sku)
    const issue = error instanceof ValidationError ? error.details.issues[0] : undefined
    const categoryIssue = issue?.path === 'category' || issue?.path === 'name' ? issue : undefined
    report(plan.handle, {
      line: (row ?? plan.rows[0]!).line,
      column: sku !== undefined ? 'sku' : (categoryIssue?.path ?? null),
      message: categoryIssue ? categoryIssue.message : error.message,
    })
  }
  const progressed = (rowCount: number) => {
    done += rowCount
    options.onProgress?.({ done, total: rows })
  }
  for await (const item of productGroups(open(), options.limits)) {
    if (fatal !== undefined) break
    if ('header' in item) {
      header = item.header
      continue
    }
    const { group, plan } = item
    if (Array.isArray(plan) || invalid.has(group.rows[0]!.line)) {
      failed++
      progressed(group.rows.length)
      continue
    }
    // Resolved here, in file order, so a category or seller shared by products is created once.
    let refs: Awaited<ReturnType<typeof resolve>>
    try {
      refs = await resolve(plan)
    } catch (error) {
      fail(plan, error)
      progressed(group.rows.length)
      continue
    }
    const task: Promise<void> = write(plan, refs)
      .catch((error: unknown) => fail(plan, error))
      .finally(() => {
        running.delete(task)
        progressed(group.rows.length)
      })
    running.add(task)
    if (running.size >= concurrency) await Promise.race(running)
  }
  await Promise.all(running)
  if (fatal !== undefined) throw fatal
  errors.sort((a, b) => a.line - b.line)
  return { rows, products, created, updated, unchanged, stockLevels, failed, errors, errorCount, dryRun }
}

// ---------------------------------------------------------------------------------------------
// Export

async function* productIds(
  catalog: ProductCsvDeps['catalog'],
): AsyncGenerator<{ id: string; total: number }> {
  let total = 0
  const firstPages = await Promise.all(STATUSES.map((status) => catalog.listProducts({ status, limit: 100 })))
  for (const page of firstPages) total += page.total
  for (const [i, status] of STATUSES.entries()) {
    let page = firstPages[i]!
    for (;;) {
      for (const item of page.items) yield { id: item.id, total }
      if (!page.nextCursor) break
      page = await catalog.listProducts({ status, limit: 100, cursor: page.nextCursor })
    }
  }
}

function productLines(
  product: ProductDetail,
  levels: ReadonlyMap<string, ReadonlyMap<string, number>>,
  currencies: readonly string[],
  compareAt: readonly string[],
  locations: readonly string[],
): string {
  let out = ''
  product.variants.forEach((variant, i) => {
    const firstRow = i === 0
    const fixed: Record<FixedColumn, string> = {
      handle: product.slug,
      name: firstRow ? product.name : '',
      description: firstRow ? product.description : '',
      status: firstRow ? product.status : '',
      category: firstRow ? product.categoryPath.map((c) => c.slug).join('/') : '',
      category_names: firstRow ? product.categoryPath.map((c) => escapeText(c.name, '/')).join('/') : '',
      seller: firstRow ? (product.seller?.slug ?? '') : '',
      seller_name: firstRow ? (product.seller?.name ?? '') : '',
      tags: firstRow ? product.tags.map((t) => escapeText(t, '|')).join('|') : '',
      attributes: firstRow ? joinPairs(product.attributes) : '',
      images: firstRow
        ? product.images
            .map((img) => escapeText(img.url, '|') + (img.alt ? ` ${escapeText(img.alt, '|')}` : ''))
            .join('|')
        : '',
      sku: variant.sku,
      options: joinPairs(variant.options),
      weight_grams: String(variant.weightGrams),
    }
    const level = levels.get(variant.sku)
    out += csvLine([
      ...PRODUCT_CSV_COLUMNS.map((c) => fixed[c]),
      ...currencies.map((c) => String(variant.prices.find((p) => p.currency === c)?.amount ?? '')),
      ...compareAt.map((c) =>
        variant.compareAtPrice?.currency === c ? String(variant.compareAtPrice.amount) : '',
      ),
      ...locations.map((l) => {
        const onHand = level?.get(l)
        return onHand === undefined ? '' : String(onHand)
      }),
    ])
  })
  return out
}

/**
 * Exports every product (draft, active and archived) with its variants, prices and on-hand stock
 * per location as CSV text chunks, header first, in the format `importProductsCsv` reads: an
 * export imported into an empty catalog gives the same products, variants, prices, categories
 * (by path, with names), sellers and stock. Not carried: ids, creation times, units sold,
 * reviews, reservations, image positions beyond their order (the first image is primary),
 * categories without products, and inventory flags (tracked, backorder, thresholds).
 */
export async function* exportProductsCsv(
  deps: ProductCsvDeps,
  options: ProductCsvExportOptions = {},
): AsyncGenerator<string> {
  const { catalog, inventory } = deps
  const locations = (await inventory.listLocations()).map((l) => l.id)
  const given = options.currencies?.map((c) => parseInput(currencyCodeSchema, c, 'currency'))

  async function detailOf(id: string) {
    const product = await catalog.getProduct({ productId: id })
    const levels = new Map<string, Map<string, number>>()
    for (const variant of product.variants) {
      try {
        const byLocation = new Map<string, number>()
        for (const level of await inventory.getLevels({ sku: variant.sku }))
          byLocation.set(level.locationId, level.onHand)
        levels.set(variant.sku, byLocation)
      } catch (error) {
        if (!isCommerceError(error, 'not_found')) throw error
      }
    }
    return { product, levels }
  }
  const header = (currencies: readonly string[], compareAt: readonly string[]) =>
    csvLine([
      ...PRODUCT_CSV_COLUMNS,
      ...currencies.map((c) => `${PRICE_COLUMN_PREFIX}${c}`),
      ...compareAt.map((c) => `${COMPARE_AT_COLUMN_PREFIX}${c}`),
      ...locations.map((l) => `${STOCK_COLUMN_PREFIX}${l}`),
    ])

  /** Product details in listing order, read a few at a time. */
  async function* details() {
    let batch: { id: string; total: number }[] = []
    const flush = async () => {
      const read = await Promise.all(
        batch.map(async (item) => ({ ...(await detailOf(item.id)), total: item.total })),
      )
      batch = []
      return read
    }
    for await (const item of productIds(catalog)) {
      batch.push(item)
      if (batch.length >= EXPORT_READ_CONCURRENCY) yield* await flush()
    }
    yield* await flush()
  }

  let done = 0
  if (given) {
    yield header(given, given)
    for await (const { product, levels, total } of details()) {
      yield productLines(product, levels, given, given, locations)
      done++
      options.onProgress?.({ done, total: Math.max(total, done) })
    }
    return
  }
  const all: Awaited<ReturnType<typeof detailOf>>[] = []
  const currencies = new Set<string>()
  const compareAt = new Set<string>()
  for await (const detail of details()) {
    for (const v of detail.product.variants) {
      for (const p of v.prices) currencies.add(p.currency)
      if (v.compareAtPrice) compareAt.add(v.compareAtPrice.currency)
    }
    all.push(detail)
    done++
    options.onProgress?.({ done, total: Math.max(detail.total, done) })
  }
  all.sort((a, b) => (a.product.slug < b.product.slug ? -1 : a.product.slug > b.product.slug ? 1 : 0))
  yield header([...currencies].sort(), [...compareAt].sort())
  for (const { product, levels } of all)
    yield productLines(product, levels, [...currencies].sort(), [...compareAt].sort(), locations)
}

/** Attempts of a write that lost a deadlock or serialization race before it counts as the row's error. */
const TRANSIENT_ATTEMPTS = 3

/** Runs `write` again when storage reports a transient conflict (SQLSTATE 40P01 or 40001). */
async function retryTransient<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write()
    } catch (error) {
      const transient =
        error instanceof CommerceError &&
        error.code === 'conflict' &&
        (error.details.sqlState === '40P01' || error.details.sqlState === '40001')
      if (!transient || attempt >= TRANSIENT_ATTEMPTS) throw error
    }
  }
}
