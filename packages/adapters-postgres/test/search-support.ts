import type { SearchDocument } from '@souk/core'
import type { OutboxInspector } from '@souk/core/testing'
import { type Kysely, sql } from 'kysely'

/** Reads outbox rows with plain SQL, bypassing the store under test. */
export function outboxInspector<DB>(db: Kysely<DB>, schema = 'souk'): OutboxInspector {
  return {
    async row(id) {
      const { rows } = await sql<{
        attempts: number
        processed_at: Date | string | null
        last_error: string | null
        available_at: Date | string
      }>`SELECT attempts, processed_at, last_error, available_at FROM ${sql.id(schema, 'outbox')}
         WHERE id = ${id}::bigint`.execute(db)
      const row = rows[0]
      if (!row) return null
      return {
        attempts: Number(row.attempts),
        processedAt: row.processed_at === null ? null : new Date(row.processed_at),
        lastError: row.last_error,
        availableAt: new Date(row.available_at),
      }
    },
  }
}

/** A small deterministic PRNG (mulberry32), so generated catalogs are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PRODUCTS: readonly { name: string; categories: readonly string[] }[] = [
  { name: 'Wireless Headphones', categories: ['cat_electronics', 'cat_audio', 'cat_headphones'] },
  { name: 'Wired Headphones', categories: ['cat_electronics', 'cat_audio', 'cat_headphones'] },
  { name: 'Bluetooth Speaker', categories: ['cat_electronics', 'cat_audio'] },
  { name: 'Wireless Mouse', categories: ['cat_electronics', 'cat_computers'] },
  { name: 'Mechanical Keyboard', categories: ['cat_electronics', 'cat_computers'] },
  { name: 'Ceramic Mug', categories: ['cat_home', 'cat_kitchen'] },
  { name: 'Chef Knife', categories: ['cat_home', 'cat_kitchen'] },
  { name: 'Desk Lamp', categories: ['cat_home', 'cat_lighting'] },
  { name: 'Cotton Scarf', categories: ['cat_fashion'] },
]
const BRANDS = ['Acme', 'Nordic', 'Zenith', 'Orbit', 'Maple', 'Kestrel']
const EXTRAS = ['portable', 'durable', 'compact', 'premium', 'classic', 'lightweight', 'wireless', 'quiet']
const TAGS = ['sale', 'gift', 'new', 'eco', 'bestseller']

/**
 * A deterministic catalog of search documents: a few product kinds across a category tree,
 * random prices, stock, sellers, tags, ratings and popularity. The first document is always a
 * pair of wireless headphones.
 */
export function generateDocuments(count: number, seed: number): SearchDocument[] {
  const next = random(seed)
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T
  const start = Date.parse('2030-01-01T00:00:00.000Z')
  return Array.from({ length: count }, (_, i) => {
    const product = i === 0 ? (PRODUCTS[0] as (typeof PRODUCTS)[number]) : pick(PRODUCTS)
    const brand = pick(BRANDS)
    const extras = [pick(EXTRAS), pick(EXTRAS)]
    const tags = TAGS.filter(() => next() < 0.3)
    return {
      id: `prod_${seed}_${String(i).padStart(6, '0')}`,
      slug: `${brand}-${product.name}-${seed}-${i}`.toLowerCase().replaceAll(' ', '-'),
      name: `${brand} ${product.name}`,
      description: `A ${extras[0]} and ${extras[1]} ${product.name.toLowerCase()} for everyday use.`,
      tags,
      categoryIds: [...product.categories],
      sellerId: next() < 0.25 ? null : `sel_${1 + Math.floor(next() * 4)}`,
      price: { amount: Math.floor(next() * 150_000), currency: 'USD' },
      inStock: next() < 0.7,
      popularity: Math.floor(next() * 50),
      rating: next() < 0.3 ? null : 1 + Math.floor(next() * 17) / 4,
      createdAt: new Date(start + Math.floor(next() * 10_000) * 60_000),
    }
  })
}
