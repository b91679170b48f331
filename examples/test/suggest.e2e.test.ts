import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
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
const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts', 'e2e')
/** A product name that would run script if the page put it into HTML unescaped. */
const HOSTILE = 'Headphones <img src=x data-x="1"> & Co'

let shop: RunningStorefront
let browser: Browser
const contexts: BrowserContext[] = []
const cspViolations: string[] = []

/** Why the browser cannot run, or null. Checked up front, reported by every test: fail, never skip. */
const missingChromium = existsSync(CHROMIUM)
  ? null
  : `Chromium not found at ${CHROMIUM}. The end-to-end tests need it: install it with ` +
    '`apt-get install -y chromium` (Debian), or point CHROMIUM_PATH at a Chromium binary.'

beforeAll(async () => {
  if (missingChromium) return
  mkdirSync(ARTIFACTS, { recursive: true })
  shop = await startStorefront({ products: 150, seed: 'suggest-e2e' })
  const { catalog } = shop.opened.commerce
  await catalog.createProduct({
    slug: 'hostile-headphones',
    name: HOSTILE,
    description: 'A name with markup in it.',
    status: 'active',
    variants: [{ sku: 'E2E-HOSTILE', prices: [{ amount: 1000, currency: 'USD' }], weightGrams: 100 }],
  })
  await shop.opened.commerce.search.sync()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
})

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined)
  await browser?.close()
  await shop?.close()
})

async function newShopper(): Promise<Page> {
  if (missingChromium) throw new Error(missingChromium)
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  contexts.push(context)
  // The demo's product images live on a public placeholder service; the test stays offline.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
  const page = await context.newPage()
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  await page.goto(shop.baseUrl)
  await page.getByRole('heading', { level: 1, name: /Welcome/ }).waitFor()
  return page
}

describe('search suggestions in the page', () => {
  it('completes a misspelt prefix under the search box, by keyboard', { timeout: 120_000 }, async () => {
    const page = await newShopper()
    const box = page.getByRole('combobox', { name: 'Search products' })
    const list = page.getByRole('listbox', { name: 'Suggestions' })
    // Typed key by key, as a shopper does: requests are debounced, only the last answer shows.
    await box.pressSequentially('haedph', { delay: 40 })
    await list.waitFor()
    await expect.poll(() => box.getAttribute('aria-expanded')).toBe('true')
    const options = list.getByRole('option')
    await expect.poll(() => options.count()).toBeGreaterThan(1)
    const labels = await options.locator('.suggest-label').allTextContents()
    expect(labels.filter((l) => /Headphones/.test(l)).length).toBe(labels.length)
    expect(labels).toContain('Headphones')
    expect(await options.locator('.suggest-kind').allTextContents()).toContain(
      `Category · ${await categoryCount(page, 'Headphones')}`,
    )
    await page.screenshot({ path: resolve(ARTIFACTS, 'suggest-01-dropdown.png') })

    // Text is escaped: the hostile name shows as written, and adds no element.
    expect(labels).toContain(HOSTILE)
    expect(await list.locator('img').count()).toBe(0)

    await box.press('ArrowDown')
    const first = options.first()
    await expect.poll(() => first.getAttribute('aria-selected')).toBe('true')
    expect(await box.getAttribute('aria-activedescendant')).toBe(await first.getAttribute('id'))
    const name = (await first.locator('.suggest-label').textContent()) ?? ''
    await box.press('Enter')
    await page.getByRole('heading', { level: 1, name }).waitFor()
    await expect.poll(() => list.isHidden()).toBe(true)
    await expect.poll(() => box.getAttribute('aria-expanded')).toBe('false')

    // Escape closes; a category opens its listing on click.
    await box.fill('')
    await box.pressSequentially('hedp', { delay: 40 })
    await list.waitFor()
    await box.press('Escape')
    await expect.poll(() => list.isHidden()).toBe(true)
    await box.pressSequentially('h', { delay: 40 })
    await page.keyboard.press('Backspace')
    await list.waitFor()
    await list.getByRole('option', { name: /^Headphones\s*Category/ }).click()
    await page.waitForURL(/#\/search\?categoryId=/)
    expect(cspViolations).toEqual([])
  })
})

/** The product count the category suggestion shows, read from the API the page uses. */
async function categoryCount(page: Page, name: string): Promise<number> {
  const response = await page.request.get(`${shop.baseUrl}/api/search/suggest?q=haedph&limit=6`)
  const body = (await response.json()) as { categories: { name: string; count: number }[] }
  return body.categories.find((c) => c.name === name)?.count ?? -1
}
