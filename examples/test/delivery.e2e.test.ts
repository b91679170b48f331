import { existsSync } from 'node:fs'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

let shop: RunningStorefront
let browser: Browser
const contexts: BrowserContext[] = []
const cspViolations: string[] = []

const missingChromium = existsSync(CHROMIUM)
  ? null
  : `Chromium not found at ${CHROMIUM}. The end-to-end tests need it: install it with ` +
    '`apt-get install -y chromium` (Debian), or point CHROMIUM_PATH at a Chromium binary.'

beforeAll(async () => {
  if (missingChromium) return
  shop = await startStorefront({ products: 20, seed: 'delivery-e2e' })
  await shop.opened.commerce.catalog.createProduct({
    slug: 'atlas-travel-mug',
    name: 'Atlas Travel Mug',
    status: 'active',
    variants: [{ sku: 'E2E-MUG', prices: [{ amount: 1800, currency: 'USD' }], weightGrams: 400 }],
  })
  await shop.opened.commerce.inventory.setStock({ sku: 'E2E-MUG', onHand: 20 })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
})

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined)
  await browser?.close()
  await shop?.close()
})

/** A device: a browser profile of its own (cookies, localStorage), on the home page. */
async function newDevice(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  contexts.push(context)
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
  const page = await context.newPage()
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  await page.goto(shop.baseUrl)
  await page.getByRole('heading', { level: 1, name: /Welcome/ }).waitFor()
  return page
}

async function addMug(page: Page) {
  await page.goto(`${shop.baseUrl}/#/product/atlas-travel-mug`)
  await page.getByRole('heading', { level: 1, name: 'Atlas Travel Mug' }).waitFor()
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.getByText('Added to your cart.').waitFor()
}

/** Calls the example API from the page, with the device's own cookie. */
function callApi(page: Page, method: string, path: string, body?: unknown): Promise<unknown> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(`/api${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return response.json()
    },
    { method, path, body },
  )
}

async function fillUsAddress(page: Page) {
  await page.getByLabel('Email').fill('traveller@example.com')
  await page.getByLabel('Full name').fill('Ada Traveller')
  await page.getByLabel('Address', { exact: true }).fill('1 Main Street')
  await page.getByLabel('City').fill('Austin')
  await page.getByLabel('Postal code').fill('73301')
  await page.getByLabel('Country code (e.g. US, DE)').fill('US')
  await page.getByRole('button', { name: 'Show shipping options' }).click()
  await page.getByRole('radio', { name: /^Express —/ }).waitFor()
}

describe('delivery in the browser storefront', () => {
  it('shows an unavailable shipping method, carries the cart to a second device and shows the delivery estimate', {
    timeout: 120_000,
  }, async () => {
    if (missingChromium) throw new Error(missingChromium)
    const phone = await newDevice()
    await addMug(phone)
    const cartId = await phone.evaluate(
      () =>
        Object.entries((globalThis as unknown as { localStorage: Record<string, string> }).localStorage).find(
          ([key]) => key.startsWith('souk.cart.'),
        )?.[1],
    )
    expect(cartId).toMatch(/^cart_/)

    // The cart chose US Standard, then moved to Germany: the cart page says it cannot ship there.
    await callApi(phone, 'PUT', `/carts/${cartId}/shipping-address`, {
      name: 'Ada',
      line1: '1 Main Street',
      city: 'Austin',
      postalCode: '73301',
      country: 'US',
    })
    const us = await callApi(phone, 'GET', `/carts/${cartId}`)
    const standard = (us as { shippingOptions: { name: string; methodId: string }[] }).shippingOptions.find(
      (q) => q.name === 'Standard',
    )!
    await callApi(phone, 'PUT', `/carts/${cartId}/shipping-method`, { shippingMethodId: standard.methodId })
    await callApi(phone, 'PUT', `/carts/${cartId}/shipping-address`, {
      name: 'Ada',
      line1: 'Hauptstr. 1',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    })
    await phone.goto(`${shop.baseUrl}/#/cart`)
    await phone.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor()
    expect(await phone.locator('#shipping-unavailable').textContent()).toContain(
      'The shipping method you chose does not deliver to your address.',
    )
    expect(await phone.locator('#shipping-total').textContent()).toBe('Not available')
    expect(await phone.locator('#cart-shipping-options li').allTextContents()).toEqual([
      expect.stringMatching(/^Standard: \$9\.99 \(arrives .+\)$/),
      expect.stringMatching(/^Express: \$24\.99 \(arrives .+\)$/),
    ])

    // The phone shows a sign-in link; the laptop, with a cart of its own, opens it.
    await phone.getByRole('button', { name: 'Get a sign-in link' }).click()
    const link = await phone.getByLabel('Sign-in link').inputValue()
    expect(link).toMatch(/#\/device\//)
    const laptop = await newDevice()
    await addMug(laptop)
    expect(await laptop.locator('#cart-count').textContent()).toBe('1')
    await laptop.goto(link)
    await laptop.locator('#device-signed-in').waitFor()
    // One mug from each device, in the phone's cart.
    expect(await laptop.locator('#cart-count').textContent()).toBe('2')
    expect(await laptop.getByLabel('Quantity of Atlas Travel Mug').inputValue()).toBe('2')
    const laptopCart = await laptop.evaluate(
      () =>
        Object.entries((globalThis as unknown as { localStorage: Record<string, string> }).localStorage).find(
          ([key]) => key.startsWith('souk.cart.'),
        )?.[1],
    )
    expect(laptopCart).toBe(cartId)

    // The laptop checks out with US Express; the order page shows the dates it was quoted.
    await laptop.getByRole('link', { name: 'Go to checkout' }).click()
    await laptop.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor()
    await fillUsAddress(laptop)
    // Back in the US the chosen Standard serves again; wait for its price before choosing Express.
    await expect.poll(() => laptop.locator('#shipping-total').textContent()).toBe('$4.99')
    await laptop.getByRole('radio', { name: /^Express —/ }).check()
    await expect.poll(() => laptop.locator('#shipping-total').textContent()).toBe('$14.99')
    await laptop.getByRole('radio', { name: 'Visa (approved)' }).check()
    await laptop.getByRole('button', { name: 'Place order' }).click()
    await laptop.getByText('Thank you! Your order has been placed.').waitFor()
    const orderId = new URL(laptop.url()).hash.split('/')[2]!.split('?')[0]!
    const order = await shop.opened.commerce.orders.get({ orderId })
    expect(order.estimatedDelivery).not.toBeNull()
    const shown = await laptop.locator('#estimated-delivery').textContent()
    expect(shown).toMatch(/^Estimated delivery: \w{3}, \w{3} \d{1,2}( – \w{3}, \w{3} \d{1,2})?$/)

    // Back on the phone: its cart became that order.
    await phone.goto(`${shop.baseUrl}/#/orders/${orderId}`)
    await phone.locator('#estimated-delivery').waitFor()
    expect(await phone.locator('#estimated-delivery').textContent()).toBe(shown)
    expect(cspViolations).toEqual([])
  })
})
