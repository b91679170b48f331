import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
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
  await shop.opened.commerce.search.sync()
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
  return openTab(context)
}

/** A tab of the shopper's browser (same cookies and localStorage as their other tabs) on the home page. */
async function openTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  // The shop must run under its own Content-Security-Policy (no inline script, handler or style).
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  await page.goto(shop.baseUrl)
  await page.getByRole('heading', { level: 1, name: /Welcome/ }).waitFor()
  return page
}

/** The rendered size of the first product image in `scope`, once it has loaded (or fallen back). */
async function imageBox(page: Page, scope: string) {
  const image = page.locator(`${scope} img`).first()
  await expect
    .poll(() =>
      image.evaluate(
        (img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0,
      ),
    )
    .toBe(true)
  return (await image.boundingBox())!
}

/** The computed styles that make an element look like one of the shop's buttons. */
function buttonLook(page: Page, selector: string) {
  return page.locator(selector).evaluate((element) => {
    const style = element.ownerDocument.defaultView!.getComputedStyle(element)
    return {
      background: style.backgroundColor,
      color: style.color,
      border: `${style.borderTopWidth} ${style.borderTopStyle} ${style.borderTopColor}`,
      radius: style.borderTopLeftRadius,
      weight: style.fontWeight,
      font: style.fontFamily,
      underline: style.textDecorationLine,
    }
  })
}

/** The message shown under a checkout field, read the way a screen reader gets it. */
async function fieldMessage(page: Page, label: string, options: { exact?: boolean } = {}) {
  const input = page.getByLabel(label, options)
  const describedBy = await input.getAttribute('aria-describedby')
  return {
    invalid: await input.getAttribute('aria-invalid'),
    message: describedBy ? await page.locator(`#${describedBy}`).textContent() : null,
  }
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true })
}

async function search(page: Page, text: string) {
  const box = page.getByRole('combobox', { name: 'Search products' })
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

async function fillAddressAndShipping(page: Page, line2?: string) {
  await page.getByLabel('Email').fill('shopper@example.com')
  await page.getByLabel('Full name').fill('Ada Shopper')
  await page.getByLabel('Address', { exact: true }).fill('1 Main Street')
  if (line2) await page.getByLabel('Address line 2 (optional)').fill(line2)
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
    // Product images keep their square shape at the card's width (no height attribute stretching them).
    const home = await imageBox(page, '.grid')
    expect(home.width).toBeLessThan(320)
    expect(Math.abs(home.height - home.width)).toBeLessThanOrEqual(1)
    await shot(page, '01-home')

    await search(page, 'wireless headphnes')
    await expect.poll(() => page.locator('#results').textContent()).toContain('Sonora Wireless Headphones')
    expect(await page.getByLabel('Sort by').locator('option').allTextContents()).toEqual([
      'Best match',
      'Most popular',
      'Price: low to high',
      'Price: high to low',
      'Newest first',
      'Top rated',
    ])
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
    // The link to the next step looks like the shop's other buttons.
    expect(await buttonLook(page, '#checkout-link')).toEqual(
      await buttonLook(page, '#promo-form button[type="submit"]'),
    )
    await shot(page, '04-cart-with-promo')

    // A second tab of the same browser, left on the cart, while the first one checks out.
    const otherTab = await openTab(page.context())
    await otherTab.getByRole('link', { name: /Cart \(2\)/ }).click()
    await otherTab.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor()

    await page.getByRole('link', { name: 'Go to checkout' }).click()
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor()
    // Placing the order with nothing filled in: one plain sentence per field, nothing sent.
    await page.getByRole('button', { name: 'Place order' }).click()
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toBe(
      '5 fields need your attention; they are marked in red.',
    )
    expect(await fieldMessage(page, 'Email')).toEqual({
      invalid: 'true',
      message: 'Enter your email address, so we can send you the receipt.',
    })
    expect(await fieldMessage(page, 'Full name')).toEqual({
      invalid: 'true',
      message: 'Enter the name of the person receiving the parcel.',
    })
    expect(await fieldMessage(page, 'Address', { exact: true })).toEqual({
      invalid: 'true',
      message: 'Enter the street address.',
    })
    expect(await fieldMessage(page, 'City')).toEqual({ invalid: 'true', message: 'Enter the town or city.' })
    expect(await fieldMessage(page, 'Country code (e.g. US, DE)')).toEqual({
      invalid: 'true',
      message: 'Enter the country as its two-letter code, such as US or DE.',
    })
    expect(await page.locator('main').textContent()).not.toMatch(/invalid/i)
    expect(
      await page.getByLabel('Email').evaluate((input) => input === input.ownerDocument.activeElement),
    ).toBe(true)
    await shot(page, '05-checkout-empty-form')
    await page.getByLabel('Email').fill('shopper@example')
    await page.getByRole('button', { name: 'Place order' }).click()
    await expect
      .poll(() => fieldMessage(page, 'Email'))
      .toEqual({
        invalid: 'true',
        message: 'This email address looks incomplete: it should look like name@example.com.',
      })

    await fillAddressAndShipping(page, 'Suite 5')
    expect(await fieldMessage(page, 'Email')).toEqual({ invalid: null, message: null })
    await page.getByRole('radio', { name: 'Visa (approved)' }).check()
    await shot(page, '06-checkout')
    await page.getByRole('button', { name: 'Place order' }).click()

    await page.getByText('Thank you! Your order has been placed.').waitFor()
    const heading = await page.getByRole('heading', { level: 1 }).textContent()
    expect(heading).toMatch(/^Order #\d+$/)
    expect(await page.locator('#order-status').textContent()).toBe('Confirmed')
    // $99.00 + $25.00 − 10% + free standard shipping over $50.
    expect(await page.locator('#grand-total').textContent()).toBe('$111.60')
    // Each line shows price × quantity; the discount appears once, in the totals below.
    const lineAmounts = await page
      .locator('table:has(caption:text("Items in this order")) tbody tr td:last-child')
      .allTextContents()
    expect(lineAmounts).toEqual(['$99.00', '$25.00'])
    // The whole address, line by line as it goes on the parcel.
    const addressLines = await page
      .locator('#shipping-address')
      .evaluate((address) => address.innerHTML.split('<br>'))
    expect(addressLines).toEqual([
      'Ada Shopper',
      '1 Main Street',
      'Suite 5',
      'Austin, TX 73301',
      'United States',
    ])
    await shot(page, '07-order-placed')

    // The other tab notices at once that its cart became this order.
    await otherTab.locator('#checked-out-notice').waitFor()
    expect(await otherTab.locator('#cart-count').textContent()).toBe('0')
    expect(await otherTab.getByText('Your cart is empty.').count()).toBe(1)
    const orderId = new URL(page.url()).hash.split('/')[2]!.split('?')[0]
    expect(await otherTab.getByRole('link', { name: 'See the order' }).getAttribute('href')).toBe(
      `#/orders/${orderId}`,
    )
    await shot(otherTab, '08-other-tab-after-checkout')

    await page.getByRole('link', { name: 'Orders', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor()
    await page.getByRole('link', { name: heading!.replace('Order ', '') }).waitFor()
    await shot(page, '09-order-history')
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
    await shot(second, '10-lost-the-race')
    expect(await shop.opened.commerce.inventory.available({ sku: 'E2E-LAST' })).toBe(0)
  })
})
