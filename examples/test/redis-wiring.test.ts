import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { silentLogger } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createApp } from '../src/app/create-app.js'
import { seedDemo } from '../src/seed/seed-demo.js'
import { type OpenedCommerce, openCommerce } from '../src/wiring/open-commerce.js'
import { loadStorefrontConfig } from '../src/wiring/storefront-config.js'
import { Client, SESSION_SECRET } from './support.js'

let database: TestDatabase
let opened: OpenedCommerce

beforeAll(async () => {
  database = await createTestDatabase('redis_wiring')
  const config = loadStorefrontConfig({ DATABASE_URL: database.url, REDIS_URL: inject('redisUrl') })
  opened = await openCommerce(config, silentLogger)
  await opened.commerce.migrate()
  await seedDemo(opened.commerce, opened.storage, { products: 20, seed: 'redis' })
})

afterAll(async () => {
  await opened?.close()
  await database?.drop()
})

describe('REDIS_URL', () => {
  it('switches the catalog cache and carts to Redis, and the storefront works over them', async () => {
    expect(opened.description.join('\n')).toContain('cache: Redis at redis://')
    expect(opened.description.join('\n')).toContain('carts: Redis over PostgreSQL')
    const { app } = createApp(opened.commerce, {
      sessionSecret: SESSION_SECRET,
      adminToken: null,
      stats: null,
      log: () => undefined,
    })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
      await client.post('/api/session')
      const { db, schema } = opened.storage
      const { rows } = await sql<{ sku: string }>`select l.sku from ${sql.id(schema, 'stock_levels')} l
        join ${sql.id(schema, 'product_variants')} v on v.sku = l.sku
        join ${sql.id(schema, 'products')} p on p.id = v.product_id and p.status = 'active'
        where l.on_hand > 2 order by l.sku limit 1`.execute(db)
      const cart = await client.post<{ id: string }>('/api/carts', { currency: 'EUR' })
      await client.post(`/api/carts/${cart.body.id}/items`, { sku: rows[0]!.sku, quantity: 2 })
      const read = await client.get<{ lines: { sku: string; quantity: number }[] }>(
        `/api/carts/${cart.body.id}`,
      )
      expect(read.body.lines).toEqual([expect.objectContaining({ sku: rows[0]!.sku, quantity: 2 })])
      // Durable too: the Postgres cart store has the same cart.
      expect((await opened.storage.carts.get(cart.body.id))?.lines.map((l) => l.quantity)).toEqual([2])
      const listing = await client.get<{ total: number }>('/api/products?limit=2')
      expect(listing.body.total).toBeGreaterThan(0)
    } finally {
      server.close()
    }
  })
})
