import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type RunningStorefront, startStorefront, US_ADDRESS } from './support.js'

/** Chromium from Debian's package (`apt-get install -y chromium`); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

let shop: RunningStorefront
let browser: Browser

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return
  shop = await startStorefront({ products: 20, seed: 'fraud-e2e' })
  // Above the example's review limit (1,500.00 USD): its orders are held for review.
  await shop.opened.commerce.catalog.createProduct({
    slug: 'grand-piano',
    name: 'Grand Piano',
    status: 'active',
    variants: [{ sku: 'E2E-PIANO', prices: [{ amount: 450_000, currency: 'USD' }], weightGrams: 1000 }],
  })
  await shop.opened.commerce.inventory.setStock({ sku: 'E2E-PIANO', onHand: 3 })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
})
afterAll(async () => {
  await browser?.close()
  await shop?.close()
})

describe('a held order in the browser', () => {
  it('shows the shopper "Under review", then "Confirmed" once staff approve it', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
    const context = await browser.newContext()
    const page = await context.newPage()
    // Once the page has started (its own session and cart calls done), so they cannot race this test's.
    await page.goto(shop.baseUrl, { waitUntil: 'networkidle' })
    // The shopper's own session places the order, as the checkout form would.
    const placed = await page.evaluate(async (address) => {
      const call = async (
        path: string,
        method = 'GET',
        body?: unknown,
        headers: Record<string, string> = {},
      ): Promise<{ id: string; outcome?: string; order?: { id: string } }> => {
        const response = await fetch(`/api${path}`, {
          method,
          credentials: 'same-origin',
          headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
        return (await response.json()) as { id: string; outcome?: string; order?: { id: string } }
      }
      await call('/session', 'POST')
      const cart = await call('/carts', 'POST', { currency: 'USD', email: 'pianist@example.com' })
      await call(`/carts/${cart.id}/items`, 'POST', { sku: 'E2E-PIANO', quantity: 1 })
      await call(`/carts/${cart.id}/shipping-address`, 'PUT', address)
      return call(
        '/checkout',
        'POST',
        { cartId: cart.id, payment: { method: 'pm_card_visa' } },
        {
          'idempotency-key': `piano-${Date.now()}`,
        },
      )
    }, US_ADDRESS)
    expect(placed.outcome, JSON.stringify(placed)).toBe('held_for_review')
    const orderId = placed.order!.id

    await page.goto(`${shop.baseUrl}/#/orders/${orderId}?placed=1`)
    await page.waitForSelector('#order-status')
    expect(await page.textContent('#order-status')).toBe('Under review')
    expect(await page.isVisible('#order-review-notice')).toBe(true)
    expect(await page.textContent('#order-review-notice')).toMatch(/checking a few details/)

    const approved = await fetch(`${shop.baseUrl}/api/admin/fraud/orders/${orderId}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decidedBy: 'staff' }),
    })
    expect(approved.status).toBe(200)
    await page.reload()
    await page.waitForSelector('#order-status')
    expect(await page.textContent('#order-status')).toBe('Confirmed')
    expect(await page.isVisible('#order-review-notice')).toBe(false)
    await context.close()
  })
})
