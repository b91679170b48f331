import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { searchOf } from '../src/search-of.js'
import { type RunningStorefront, startStorefront } from './support.js'

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
const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts', 'e2e')

let shop: RunningStorefront
let browser: Browser
const contexts: BrowserContext[] = []

async function createActiveProduct(name: string, slug: string, sku: string, amount: number, stock: number) {
  const { catalog, inventory } = shop.opened.commerce
  const product = await catalog.createProduct({
    slug,
    name,
    description: `${name}: a product the browser test buys.`,
    status: 'active',
    tags: ['e2e'],
    variants: [
      {
        sku,
        prices: [
          { amount, currency: 'USD' },
          { amount, currency: 'EUR' },
        ],
        weightGrams: 300,
      },
    ],
  })
  await inventory.setStock({ sku, onHand: stock })
  return product
}

/** Why the browser cannot run, or null. Checked up front, reported by every test: fail, never skip. */
const missingChromium = existsSync(CHROMIUM)
  ? null
  : `Chromium not found at ${CHROMIUM}. The end-to-end tests need it: install it with ` +
    '`apt-get install -y chromium` (Debian), or point CHROMIUM_PATH at a Chromium binary.'

function requireChromium(): void {
  if (missingChromium) throw new Error(missingChromium)
}

beforeAll(async () => {
  if (missingChromium) return
  mkdirSync(ARTIFACTS, { recursive: true })
  shop = await startStorefront({ products: 150, seed: 'e2e' })
  await createActiveProduct(
    'Sonora Wireless Headphones',
    'sonora-wireless-headphones',
    'E2E-HEADPHONES',
    9900,
    25,
  )
  await createActiveProduct('Sonora Charging Case', 'sonora-charging-case', 'E2E-CASE', 2500, 25)
  await createActiveProduct('Sonora Last Lamp', 'sonora-last-lamp', 'E2E-LAST', 4500, 1)
  const search = searchOf(shop.opened.commerce)
  if (search) await search.sync()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
})

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined)
  await browser?.close()
  await shop?.close()
})

const cspViolations: string[] = []

afterEach(() => {
  expect(cspViolations.splice(0)).toEqual([])
})

async function newShopper(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  contexts.push(context)
  // The demo's product images live on a public placeholder service; the test stays offline.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
  const page = await context.newPage()
  // The shop must run under its own Content-Security-Policy (no inline script, handler or style).
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  await page.goto(shop.baseUrl)
  await page.getByRole('heading', { level: 1, name: /Welcome/ }).waitFor()
  return page
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true })
}

async function search(page: Page, text: string) {
  const box = page.getByRole('searchbox', { name: 'Search products' })
  await box.fill(text)
  await box.press('Enter')
  await page.getByRole('heading', { level: 1, name: `Results for “${text}”` }).waitFor()
}

async function addToCart(page: Page, productName: string) {
  await page.locator('#results').getByRole('link', { name: productName }).first().click()
  await page.getByRole('heading', { level: 1, name: productName }).waitFor()
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.getByText('Added to your cart.').waitFor()
}

async function fillAddressAndShipping(page: Page) {
  await page.getByLabel('Email').fill('shopper@example.com')
  await page.getByLabel('Full name').fill('Ada Shopper')
  await page.getByLabel('Address', { exact: true }).fill('1 Main Street')
  await page.getByLabel('City').fill('Austin')
  await page.getByLabel('State or region (optional)').fill('TX')
  await page.getByLabel('Postal code').fill('73301')
  await page.getByLabel('Country code (e.g. US, DE)').fill('US')
  await page.getByRole('button', { name: 'Show shipping options' }).click()
  await page.getByRole('radio', { name: /Standard/ }).waitFor()
}

describe('the browser storefront', () => {
  it('lets a shopper search with a typo, buy two items with a promo code and see the order', {
    timeout: 120_000,
  }, async () => {
    requireChromium()
    const page = await newShopper()
    await shot(page, '01-home')

    await search(page, 'wireless headphnes')
    await expect.poll(() => page.locator('#results').textContent()).toContain('Sonora Wireless Headphones')
    await shot(page, '02-search-typo')
    await addToCart(page, 'Sonora Wireless Headphones')
    await shot(page, '03-product')

    await search(page, 'sonora charging case')
    await addToCart(page, 'Sonora Charging Case')
    expect(await page.locator('#cart-count').textContent()).toBe('2')

    await page.getByRole('link', { name: /Cart \(2\)/ }).click()
    await page.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor()
    await page.getByLabel('Promo code').fill('welcome10')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.getByText('Promo code WELCOME10 applied.').waitFor()
    expect(await page.locator('#discount-total').textContent()).toBe('−$12.40')
    await shot(page, '04-cart-with-promo')

    await page.getByRole('link', { name: 'Go to checkout' }).click()
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor()
    await fillAddressAndShipping(page)
    await page.getByRole('radio', { name: 'Visa (approved)' }).check()
    await shot(page, '05-checkout')
    await page.getByRole('button', { name: 'Place order' }).click()

    await page.getByText('Thank you! Your order has been placed.').waitFor()
    const heading = await page.getByRole('heading', { level: 1 }).textContent()
    expect(heading).toMatch(/^Order #\d+$/)
    expect(await page.locator('#order-status').textContent()).toBe('Confirmed')
    // $99.00 + $25.00 − 10% + free standard shipping over $50.
    expect(await page.locator('#grand-total').textContent()).toBe('$111.60')
    await shot(page, '06-order-placed')

    await page.getByRole('link', { name: 'Orders', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor()
    await page.getByRole('link', { name: heading!.replace('Order ', '') }).waitFor()
    await shot(page, '07-order-history')
    expect(await page.locator('#cart-count').textContent()).toBe('0')
  })

  it('tells the shopper who lost the race for the last unit that it is out of stock', {
    timeout: 120_000,
  }, async () => {
    requireChromium()
    const [first, second] = await Promise.all([newShopper(), newShopper()])
    for (const page of [first, second]) {
      await page.goto(`${shop.baseUrl}/#/product/sonora-last-lamp`)
      await page.getByRole('heading', { level: 1, name: 'Sonora Last Lamp' }).waitFor()
      await expect.poll(() => page.locator('#variant-stock').textContent()).toContain('only 1 left')
      await page.getByRole('button', { name: 'Add to cart' }).click()
      await page.getByText('Added to your cart.').waitFor()
      await page.goto(`${shop.baseUrl}/#/checkout`)
      await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor()
      await fillAddressAndShipping(page)
    }

    await first.getByRole('button', { name: 'Place order' }).click()
    await first.getByText('Thank you! Your order has been placed.').waitFor()

    await second.getByRole('button', { name: 'Place order' }).click()
    const alert = second.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toBe(
      'Sorry, not enough stock. Sonora Last Lamp is out of stock. Please update your cart.',
    )
    await shot(second, '08-lost-the-race')
    expect(await shop.opened.commerce.inventory.available('E2E-LAST')).toBe(0)
  })
})
