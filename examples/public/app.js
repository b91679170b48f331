// The Souk demo shop: plain JavaScript over the example server's REST API (no build step).
// A hash router renders each page into <main>; every call goes through api(), which turns the
// server's { error: { code, message, details } } bodies into ApiError.

const main = document.getElementById('main')
const announcer = document.getElementById('announcer')
const state = {
  config: null,
  customerId: null,
  currency: 'USD',
  cart: null,
  categories: [],
  // The order a cart this tab held became, when it was checked out somewhere else; the cart page says so.
  checkedOutOrderId: null,
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `Request failed (${status})`)
    this.status = status
    this.code = body?.error?.code ?? 'unknown'
    this.details = body?.error?.details ?? {}
  }
}

async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(`/api${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  const data = text ? JSON.parse(text) : null
  if (!response.ok) throw new ApiError(response.status, data)
  return data
}

// ---------- helpers ----------

const esc = (value) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  )

const digitsCache = new Map()
function fractionDigits(currency) {
  if (!digitsCache.has(currency)) {
    digitsCache.set(
      currency,
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits,
    )
  }
  return digitsCache.get(currency)
}

/**
 * What a line costs before the order's discount, tax and shipping: its unit price times its
 * quantity (integer minor units), so the lines add up to the subtotal the totals table starts from.
 */
function lineAmount(line) {
  return { amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency }
}

/** Money is integer minor units; only display divides. */
function formatMoney(money) {
  if (!money) return '—'
  const digits = fractionDigits(money.currency)
  return new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).format(
    money.amount / 10 ** digits,
  )
}

// ---------- prices: was/now (compare-at and sale prices) ----------

/**
 * A price with its was-price struck through beside it ("$15.00 was $25.00"): the compare-at price,
 * or the regular price while a scheduled sale runs. The server decides both; the page only shows them.
 */
function priceWithWas(price, wasPrice) {
  const now = `<span class="price${wasPrice ? ' sale-price' : ''}">${formatMoney(price)}</span>`
  if (!wasPrice || !price || wasPrice.amount <= price.amount) return now
  return `${now} <s class="was-price"><span class="visually-hidden">was </span>${formatMoney(wasPrice)}</s>`
}

// ---------- end of prices ----------

function announce(text) {
  announcer.textContent = ''
  setTimeout(() => {
    announcer.textContent = text
  }, 50)
}

function render(html, title) {
  main.innerHTML = html
  document.title = title ? `${title} · Souk demo shop` : 'Souk demo shop'
  const heading = main.querySelector('h1')
  if (heading) {
    heading.setAttribute('tabindex', '-1')
    heading.focus({ preventScroll: false })
  }
}

function imageTag(image, alt, size = 'card') {
  const src = image?.url ?? '/placeholder.svg'
  return `<img src="${esc(src)}" alt="${esc(image?.alt || alt)}" loading="lazy" width="320" height="320" class="${size}">`
}

// A broken product image falls back to the local placeholder. Listened for here rather than with
// an inline onerror attribute, which the Content-Security-Policy forbids; error events do not
// bubble, so the listener captures.
document.addEventListener(
  'error',
  (event) => {
    const img = event.target
    if (img instanceof HTMLImageElement && !img.src.endsWith('/placeholder.svg')) img.src = '/placeholder.svg'
  },
  true,
)

/** A friendly sentence for an API error; stock errors name the product. */
function describeError(error, linesBySku = new Map()) {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.'
  if (error.code === 'inventory.insufficient_stock') {
    const parts = (error.details.shortfalls ?? []).map((s) => {
      const name = linesBySku.get(s.sku)?.name ?? s.sku
      return s.available > 0 ? `${name}: only ${s.available} left` : `${name} is out of stock`
    })
    return `Sorry, not enough stock. ${parts.join('; ')}. Please update your cart.`
  }
  if (error.code === 'validation.failed' && error.details.issues?.length) {
    const messages = [...new Set(error.details.issues.map((i) => sentence(i.message)))]
    return `Please check the form: ${messages.join(' ')}`
  }
  return error.message
}

/** `text` with a capital first letter and a full stop. */
function sentence(text) {
  const trimmed = String(text).trim()
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

function alertBox(message) {
  return `<div class="alert" role="alert">${esc(message)}</div>`
}

// ---------- session and cart ----------

async function ensureSession() {
  const session = await api('/session')
  state.customerId = session.customerId ?? (await api('/session', { method: 'POST' })).customerId
}

const cartKey = () => `souk.cart.${state.customerId}.${state.currency}`

async function loadCart() {
  const id = localStorage.getItem(cartKey())
  state.cart = id ? await openCart(id) : null
  if (id && !state.cart) localStorage.removeItem(cartKey())
  // No cart on this device: the customer's open cart, made on another device, if there is one.
  if (!state.cart && state.customerId) {
    const found = (await api('/customer/cart').catch(() => ({ cart: null }))).cart
    if (found && found.currency === state.currency) {
      state.cart = found
      localStorage.setItem(cartKey(), found.id)
    }
  }
  updateCartCount()
  return state.cart
}

/** The cart while it can still be shopped with; null once it is gone or became an order. */
async function openCart(id) {
  try {
    const cart = await api(`/carts/${encodeURIComponent(id)}`)
    if (cart.orderId === null) return cart
    state.checkedOutOrderId = cart.orderId
    return null
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'not_found' || error.code === 'cart.checked_out'))
      return null
    throw error
  }
}

/**
 * Another tab (or device) may have checked the cart out or changed it. Its checkout clears the
 * cart's key in localStorage, which raises a storage event here at once; a tab coming back into
 * view asks the server. The cart and checkout pages are drawn again when the cart changed.
 */
async function syncCart() {
  const before = state.cart
  await loadCart()
  if (before && !state.cart && !state.checkedOutOrderId) await openCart(before.id)
  const changed = before?.id !== state.cart?.id || before?.version !== state.cart?.version
  if (changed && /^#\/(cart|checkout)\b/.test(location.hash)) await route()
}

window.addEventListener('storage', (event) => {
  if (event.key === null || event.key === cartKey()) void syncCart()
})
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state.customerId) void syncCart()
})

async function cartForWriting() {
  if (state.cart) return state.cart
  state.cart = await api('/carts', { method: 'POST', body: { currency: state.currency } })
  localStorage.setItem(cartKey(), state.cart.id)
  return state.cart
}

function setCart(cart) {
  state.cart = cart
  updateCartCount()
}

function updateCartCount() {
  document.getElementById('cart-count').textContent = String(state.cart?.totals.itemCount ?? 0)
}

// ---------- product cards ----------

function productCard({ slug, name, image, price, wasPrice, rating, inStock, highlight }) {
  const stars = rating?.average
    ? `<span class="muted">★ ${rating.average}${rating.count ? ` (${rating.count})` : ''}<span class="visually-hidden"> out of 5</span></span>`
    : ''
  return `<li class="card">
    <a href="#/product/${encodeURIComponent(slug)}">${imageTag(image, name)}</a>
    <h3><a href="#/product/${encodeURIComponent(slug)}">${highlight ?? esc(name)}</a></h3>
    <p>${priceWithWas(price, wasPrice)} ${stars}</p>
    ${inStock === false ? '<p class="stock-out">Out of stock</p>' : ''}
  </li>`
}

const summaryCard = (item) =>
  productCard({
    slug: item.slug,
    name: item.name,
    image: item.image,
    price: item.price ?? item.prices?.[0],
    wasPrice: item.price ? item.wasPrice : null,
    rating: item.rating,
    inStock: item.inStock,
  })

// ---------- pages ----------

async function homePage() {
  const [categories, popular] = await Promise.all([
    api('/categories'),
    api(`/products?sort=popular&limit=12&currency=${state.currency}`),
  ])
  state.categories = categories.items
  const tree = categories.items
    .map(
      (root) => `<li><a href="#/search?categoryId=${root.id}"><strong>${esc(root.name)}</strong></a>
        <ul>${root.children.map((c) => `<li><a href="#/search?categoryId=${c.id}">${esc(c.name)}</a></li>`).join('')}</ul></li>`,
    )
    .join('')
  render(
    `<h1>Welcome to the Souk demo shop</h1>
     <section aria-labelledby="cat-heading"><h2 id="cat-heading">Shop by category</h2><ul class="categories">${tree}</ul></section>
     <section aria-labelledby="pop-heading"><h2 id="pop-heading">Popular right now</h2><ul class="grid">${popular.items.map(summaryCard).join('')}</ul></section>`,
    'Home',
  )
}

function categoryName(id) {
  const walk = (nodes) => {
    for (const n of nodes) {
      if (n.id === id) return n.name
      const found = walk(n.children ?? [])
      if (found) return found
    }
    return null
  }
  return walk(state.categories) ?? id
}

/** The search service's sort orders, in the words a shop uses. */
const SORT_LABELS = {
  relevance: 'Best match',
  popular: 'Most popular',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
  newest: 'Newest first',
  rating: 'Top rated',
}

async function searchPage(params) {
  if (state.categories.length === 0) state.categories = (await api('/categories')).items
  const query = new URLSearchParams()
  for (const key of ['q', 'categoryId', 'inStock', 'priceMin', 'priceMax', 'tags', 'sort', 'page']) {
    if (params.get(key)) query.set(key, params.get(key))
  }
  query.set('facets', 'category,price,inStock,tags')
  query.set('limit', '24')
  const result = await api(`/search?${query}`)
  const q = params.get('q') ?? ''
  document.getElementById('search-input').value = q
  const link = (changes) => {
    const next = new URLSearchParams(params)
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k)
      else next.set(k, v)
    }
    next.delete('page')
    return `#/search?${next}`
  }
  const facetList = (title, values, key, label) =>
    values?.length
      ? `<fieldset><legend>${title}</legend><ul class="nav-facet">${values
          .map((v) => {
            const active = params.get(key) === v.value
            return `<li><a href="${link({ [key]: active ? null : v.value })}" ${active ? 'aria-current="true"' : ''}>${active ? '✓ ' : ''}${esc(label(v.value))}</a> <span class="muted">(${v.count})</span></li>`
          })
          .join('')}</ul></fieldset>`
      : ''
  const priceLabel = (bucket) => {
    const [lo, hi] = bucket.split('-').map(Number)
    const currency = result.hits[0]?.document.price.currency ?? 'USD'
    return hi
      ? `${formatMoney({ amount: lo, currency })} – ${formatMoney({ amount: hi, currency })}`
      : `${formatMoney({ amount: lo, currency })} and up`
  }
  const facets = result.facets ?? {}
  const priceFacet = facets.price?.length
    ? `<fieldset><legend>Price</legend><ul>${facets.price
        .map((v) => {
          const [lo, hi] = v.value.split('-')
          return `<li><a href="${link({ priceMin: lo, priceMax: hi ? String(Number(hi) - 1) : null })}">${esc(priceLabel(v.value))}</a> <span class="muted">(${v.count})</span></li>`
        })
        .join('')}</ul></fieldset>`
    : ''
  const filtersActive = ['categoryId', 'inStock', 'priceMin', 'tags'].some((k) => params.get(k))
  const page = Number(params.get('page') ?? 1)
  const pages = Math.ceil(result.total / result.limit)
  const pageLink = (p) => {
    const next = new URLSearchParams(params)
    next.set('page', String(p))
    return `#/search?${next}`
  }
  const heading = q
    ? `Results for “${esc(q)}”`
    : params.get('categoryId')
      ? esc(categoryName(params.get('categoryId')))
      : 'All products'
  render(
    `<h1>${heading}</h1>
     ${result.correctedQuery ? `<p class="notice">Showing results for <strong>${esc(result.correctedQuery)}</strong>.</p>` : ''}
     <p class="muted" id="result-count">${result.total.toLocaleString('en')} products</p>
     <div class="layout-search">
       <aside class="facets" aria-label="Filters">
         ${filtersActive ? `<p><a href="${link({ categoryId: null, inStock: null, priceMin: null, priceMax: null, tags: null })}">Clear filters</a></p>` : ''}
         <form id="sort-form"><div class="form-row"><label for="sort-select">Sort by</label>
           <select id="sort-select" name="sort">
             ${Object.entries(SORT_LABELS)
               .map(
                 ([value, label]) =>
                   `<option value="${value}" ${params.get('sort') === value ? 'selected' : ''}>${label}</option>`,
               )
               .join('')}
           </select></div></form>
         ${facetList('Category', facets.category, 'categoryId', categoryName)}
         ${priceFacet}
         ${facetList('Availability', facets.inStock, 'inStock', (v) => (v === 'true' ? 'In stock' : 'Out of stock'))}
         ${facetList('Tags', facets.tags?.slice(0, 12), 'tags', (v) => v)}
       </aside>
       <section aria-labelledby="result-count">
         <ul class="grid" id="results">${result.hits
           .map((hit) =>
             productCard({
               slug: hit.document.slug,
               name: hit.document.name,
               image: null,
               price: hit.document.price,
               rating: hit.document.rating
                 ? { average: Math.round(hit.document.rating * 10) / 10, count: 0 }
                 : null,
               inStock: hit.document.inStock,
               highlight: hit.highlights.find((h) => h.field === 'name')?.snippet,
             }),
           )
           .join('')}</ul>
         ${result.total === 0 ? '<p>No products match. Try fewer words or clear the filters.</p>' : ''}
         <nav class="pagination" aria-label="Pages">
           ${page > 1 ? `<a href="${pageLink(page - 1)}">Previous</a>` : ''}
           ${pages > 1 ? `<span>Page ${page} of ${pages}</span>` : ''}
           ${page < pages ? `<a href="${pageLink(page + 1)}">Next</a>` : ''}
         </nav>
       </section>
     </div>`,
    q ? `Search: ${q}` : 'Products',
  )
  document.getElementById('sort-select').addEventListener('change', (event) => {
    location.hash = link({ sort: event.target.value })
  })
  // Search hits carry no image: fetch the product cards' images lazily would cost a call each,
  // so the placeholder stands in; the product page shows the real images.
}

function availabilityText(availability) {
  if (!availability.inStock) return '<span class="stock-out">Out of stock</span>'
  if (availability.available === null) return '<span class="stock-in">Available</span>'
  if (availability.allowBackorder && availability.available <= 0)
    return '<span class="stock-in">Available on backorder</span>'
  return availability.available <= 5
    ? `<span class="stock-in">In stock: only ${availability.available} left</span>`
    : `<span class="stock-in">In stock (${availability.available} available)</span>`
}

async function productPage(slug) {
  const product = await api(`/products/${encodeURIComponent(slug)}?currency=${state.currency}`)
  const [reviews, recommendations] = await Promise.all([
    api(`/products/${product.id}/reviews?limit=10`),
    api(`/products/${product.id}/recommendations?limit=4&currency=${state.currency}`),
  ])
  const firstInStock = product.variants.find((v) => v.availability.inStock) ?? product.variants[0]
  const optionLabel = (v) =>
    Object.entries(v.options)
      .map(([k, val]) => `${k}: ${val}`)
      .join(', ') || 'Standard'
  const variantChoices =
    product.variants.length > 1
      ? `<fieldset><legend>Choose an option</legend>${product.variants
          .map(
            (
              v,
            ) => `<label><input type="radio" name="variant" value="${esc(v.sku)}" ${v === firstInStock ? 'checked' : ''}>
               ${esc(optionLabel(v))} — ${priceWithWas(v.price, v.wasPrice)} ${v.availability.inStock ? '' : '(out of stock)'}</label><br>`,
          )
          .join('')}</fieldset>`
      : `<input type="hidden" name="variant" value="${esc(firstInStock.sku)}">`
  const reviewList = reviews.items.length
    ? reviews.items
        .map(
          (r) => `<li class="card"><p><strong>${'★'.repeat(r.rating)}${'☆'.repeat(5 - r.rating)}</strong>
            <span class="visually-hidden">${r.rating} out of 5</span> ${esc(r.title)}
            ${r.verifiedPurchase ? '<span class="status-badge">Verified purchase</span>' : ''}</p><p>${esc(r.body)}</p></li>`,
        )
        .join('')
    : '<li>No reviews yet.</li>'
  const recoList = (items) =>
    items.length
      ? `<ul class="grid">${items.map(summaryCard).join('')}</ul>`
      : '<p class="muted">Nothing yet.</p>'
  render(
    `<nav aria-label="Breadcrumb"><p class="muted">${product.categoryPath
      .map((c) => `<a href="#/search?categoryId=${c.id}">${esc(c.name)}</a>`)
      .join(' › ')}</p></nav>
     <article class="product">
       <div class="gallery">${product.images.map((img) => imageTag(img, product.name, 'large')).join('') || imageTag(null, product.name)}</div>
       <div>
         <h1>${esc(product.name)}</h1>
         <p class="muted">${product.seller ? `Sold by ${esc(product.seller.name)}` : ''}
           ${product.rating.average ? ` · ★ ${product.rating.average} from ${product.rating.count} reviews` : ''}</p>
         <p id="variant-price">${priceWithWas(firstInStock.price, firstInStock.wasPrice)}</p>
         <p id="variant-stock">${availabilityText(firstInStock.availability)}</p>
         <form id="add-form">
           ${variantChoices}
           <div class="form-row"><label for="quantity">Quantity</label>
             <input id="quantity" name="quantity" type="number" min="1" max="99" value="1" inputmode="numeric" class="w-6"></div>
           <button type="submit" id="add-button">Add to cart</button>
         </form>
         <div id="add-result" aria-live="polite"></div>
         <h2>Description</h2>
         <p>${esc(product.description)}</p>
         ${
           Object.keys(product.attributes).length
             ? `<dl>${Object.entries(product.attributes)
                 .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
                 .join('')}</dl>`
             : ''
         }
       </div>
     </article>
     <section aria-labelledby="fbt-heading"><h2 id="fbt-heading">Frequently bought together</h2>${recoList(recommendations.frequentlyBoughtTogether)}</section>
     <section aria-labelledby="similar-heading"><h2 id="similar-heading">Similar products</h2>${recoList(recommendations.similar)}</section>
     <section aria-labelledby="reviews-heading"><h2 id="reviews-heading">Reviews</h2>
       <ul class="grid">${reviewList}</ul>
       <form id="review-form" class="card max-w-32">
         <h3>Write a review</h3>
         <div class="form-row"><label for="review-rating">Rating</label>
           <select id="review-rating" name="rating" required>${[5, 4, 3, 2, 1].map((n) => `<option value="${n}">${n} stars</option>`).join('')}</select></div>
         <div class="form-row"><label for="review-title">Title</label><input id="review-title" name="title" maxlength="200"></div>
         <div class="form-row"><label for="review-body">Review</label><textarea id="review-body" name="body" rows="3" maxlength="10000"></textarea></div>
         <button type="submit">Post review</button>
         <div id="review-result" aria-live="polite"></div>
       </form>
     </section>`,
    product.name,
  )
  const form = document.getElementById('add-form')
  const selected = () => product.variants.find((v) => v.sku === new FormData(form).get('variant'))
  form.addEventListener('change', () => {
    const v = selected()
    document.getElementById('variant-price').innerHTML = priceWithWas(v.price, v.wasPrice)
    document.getElementById('variant-stock').innerHTML = availabilityText(v.availability)
  })
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const out = document.getElementById('add-result')
    const button = document.getElementById('add-button')
    button.disabled = true
    try {
      const cart = await cartForWriting()
      const quantity = Number(new FormData(form).get('quantity'))
      setCart(
        await api(`/carts/${cart.id}/items`, { method: 'POST', body: { sku: selected().sku, quantity } }),
      )
      out.innerHTML = `<p class="notice">Added to your cart. <a href="#/cart">View cart (${state.cart.totals.itemCount})</a></p>`
      announce(`${product.name} added to cart`)
    } catch (error) {
      out.innerHTML = alertBox(describeError(error, new Map([[selected().sku, { name: product.name }]])))
    } finally {
      button.disabled = false
    }
  })
  document.getElementById('review-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const data = new FormData(event.target)
    const out = document.getElementById('review-result')
    try {
      await api(`/products/${product.id}/reviews`, {
        method: 'POST',
        body: { rating: Number(data.get('rating')), title: data.get('title'), body: data.get('body') },
      })
      out.innerHTML = '<p class="notice">Thanks for your review!</p>'
    } catch (error) {
      out.innerHTML = alertBox(
        error.code === 'conflict' ? 'You have already reviewed this product.' : describeError(error),
      )
    }
  })
}

function totalsTable(totals, promoCode, cart = null) {
  return `<table aria-label="Order totals"><tbody>
    <tr><th scope="row">Subtotal</th><td class="num">${formatMoney(totals.subtotal)}</td></tr>
    <tr><th scope="row">Discount${promoCode ? ` (${esc(promoCode)})` : ''}</th><td class="num" id="discount-total">−${formatMoney(totals.discountTotal)}</td></tr>
    <tr><th scope="row">Shipping</th><td class="num" id="shipping-total">${shippingCell(totals, cart)}</td></tr>
    <tr><th scope="row">Tax</th><td class="num">${formatMoney(totals.taxTotal)}</td></tr>
    <tr><th scope="row">Total</th><td class="num"><strong id="grand-total">${formatMoney(totals.total)}</strong></td></tr>
  </tbody></table>`
}

// ---------- delivery: shipping in the cart, delivery estimates, carts across devices ----------

/** The shipping row of a cart: a method that cannot ship there is said so, never shown as 0. */
function shippingCell(totals, cart) {
  if (cart?.shippingError) return '<span class="stock-out">Not available</span>'
  if (cart && !cart.shippingQuote) return '<span class="muted">Not chosen yet</span>'
  return formatMoney(totals.shippingTotal)
}

/** "Fri, Jul 3" for a calendar date `YYYY-MM-DD` (UTC, as Souk gives delivery dates). */
function formatDay(day) {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  })
}

function deliveryWindow(estimate) {
  if (!estimate) return ''
  return estimate.earliest === estimate.latest
    ? formatDay(estimate.earliest)
    : `${formatDay(estimate.earliest)} – ${formatDay(estimate.latest)}`
}

/** The cart's shipping: the chosen method, or why it cannot ship here and what can. */
function cartShippingSection(cart) {
  const options = cart.shippingOptions ?? []
  const list = options.length
    ? `<ul id="cart-shipping-options">${options.map((q) => `<li>${esc(q.name)}: ${formatMoney(q.price)} <span class="muted">(arrives ${esc(deliveryWindow(q.estimatedDelivery))})</span></li>`).join('')}</ul>`
    : ''
  if (cart.shippingError) {
    const why =
      cart.shippingError.code === 'shipping.method_unavailable'
        ? 'The shipping method you chose does not deliver to your address.'
        : cart.shippingError.code === 'validation.failed'
          ? 'Add a shipping address at checkout to price your shipping method.'
          : 'Shipping cannot be priced right now.'
    return `<section aria-labelledby="cart-shipping-heading" id="cart-shipping"><h2 id="cart-shipping-heading">Shipping</h2>
      <div class="alert" role="alert" id="shipping-unavailable">${esc(why)} It is not included in the total; choose another at checkout.</div>
      ${options.length ? `<p>Available for ${esc(cart.shippingAddress?.country ?? 'your address')}:</p>${list}` : ''}</section>`
  }
  if (cart.shippingQuote) {
    const q = cart.shippingQuote
    return `<p id="cart-shipping">Shipping: ${esc(q.name)}, arrives ${esc(deliveryWindow(q.estimatedDelivery))}.</p>`
  }
  return ''
}

/** A link that signs another device in as this customer, with this cart. */
function deviceLinkSection() {
  return `<section aria-labelledby="device-heading" class="device-link"><h2 id="device-heading">Continue on another device</h2>
    <p class="muted">Open a sign-in link on your phone or another computer: your cart goes with you.</p>
    <button type="button" class="secondary" id="device-link-button">Get a sign-in link</button>
    <div id="device-link-result" aria-live="polite"></div></section>`
}

function wireDeviceLink() {
  document.getElementById('device-link-button')?.addEventListener('click', async () => {
    const out = document.getElementById('device-link-result')
    try {
      const link = await api('/session/device-links', { method: 'POST' })
      const url = `${location.origin}/#/device/${encodeURIComponent(link.token)}`
      out.innerHTML = `<p>Open this link on the other device before ${esc(new Date(link.expiresAt).toLocaleTimeString())}:</p>
        <p><input type="text" readonly id="device-link-url" class="w-full" value="${esc(url)}" aria-label="Sign-in link"></p>`
      document.getElementById('device-link-url').select()
    } catch (error) {
      out.innerHTML = alertBox(describeError(error))
    }
  })
}

/** Opened from another device's link: signs this device in and brings its cart along. */
async function deviceSignInPage(token) {
  try {
    const before = state.cart
    const signedIn = await api('/session/device-sign-in', {
      method: 'POST',
      body: before ? { token, cartId: before.id } : { token },
    })
    if (before) localStorage.removeItem(cartKey())
    state.customerId = signedIn.customerId
    if (signedIn.cart) {
      state.currency = signedIn.cart.currency
      localStorage.setItem('souk.currency', state.currency)
      document.getElementById('currency-select').value = state.currency
      localStorage.setItem(cartKey(), signedIn.cart.id)
    }
    setCart(signedIn.cart)
    history.replaceState(null, '', '#/cart')
    await cartPage(
      '<p class="notice" role="status" id="device-signed-in">You are signed in on this device. Your cart is here.</p>',
    )
  } catch (error) {
    render(
      `<h1>Sign in on this device</h1>${alertBox(describeError(error))}<p><a href="#/">Home</a></p>`,
      'Sign in',
    )
  }
}

// ---------- end delivery ----------

async function cartPage(message = '') {
  const cart = await loadCart()
  if (!cart || cart.lines.length === 0) {
    const orderId = state.checkedOutOrderId
    state.checkedOutOrderId = null
    const checkedOut = orderId
      ? `<p class="notice" role="status" id="checked-out-notice">This cart has been checked out, perhaps in another tab or window. <a href="#/orders/${encodeURIComponent(orderId)}">See the order</a>.</p>`
      : ''
    render(
      `<h1>Your cart</h1>${message}${checkedOut}<p>Your cart is empty. <a href="#/">Start shopping</a>.</p>`,
      'Cart',
    )
    return
  }
  render(
    `<h1>Your cart</h1>
     ${message}
     <table><caption class="visually-hidden">Items in your cart</caption>
       <thead><tr><th scope="col">Item</th><th scope="col">Price</th><th scope="col">Quantity</th><th scope="col" class="num">Total</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
       <tbody>${cart.lines
         .map(
           (l, i) => `<tr>
             <td>${esc(l.name)} <span class="muted">${esc(l.sku)}</span></td>
             <td>${priceWithWas(l.unitPrice, l.wasPrice)}</td>
             <td><label class="visually-hidden" for="qty-${i}">Quantity of ${esc(l.name)}</label>
               <input id="qty-${i}" type="number" min="0" max="99" value="${l.quantity}" data-sku="${esc(l.sku)}" class="qty w-5"></td>
             <td class="num">${formatMoney(l.subtotal)}</td>
             <td><button type="button" class="secondary remove" data-sku="${esc(l.sku)}">Remove<span class="visually-hidden"> ${esc(l.name)}</span></button></td>
           </tr>`,
         )
         .join('')}</tbody></table>
     ${cart.unavailableSkus.length ? alertBox(`Some items can no longer be bought: ${cart.unavailableSkus.join(', ')}`) : ''}
     ${cart.promotionError ? alertBox(cart.promotionError.message) : ''}
     <form id="promo-form" class="form-row max-w-24">
       <label for="promo-code">Promo code</label>
       <div class="inline-row"><input id="promo-code" name="code" value="${esc(cart.promoCode ?? '')}" autocomplete="off">
       <button type="submit">Apply</button>${cart.promoCode ? '<button type="button" class="secondary" id="promo-remove">Remove code</button>' : ''}</div>
     </form>
     <div id="promo-result" aria-live="polite"></div>
     ${cartShippingSection(cart)}
     ${totalsTable(cart.totals, cart.promoCode, cart)}
     <p class="actions"><a class="button large" href="#/checkout" id="checkout-link">Go to checkout</a></p>
     ${deviceLinkSection()}`,
    'Cart',
  )
  wireDeviceLink()
  for (const input of main.querySelectorAll('.qty')) {
    input.addEventListener('change', async () => {
      try {
        setCart(
          await api(`/carts/${cart.id}/items/${encodeURIComponent(input.dataset.sku)}`, {
            method: 'PATCH',
            body: { quantity: Number(input.value) },
          }),
        )
        await cartPage()
      } catch (error) {
        await cartPage(alertBox(describeError(error, new Map(cart.lines.map((l) => [l.sku, l])))))
      }
    })
  }
  for (const button of main.querySelectorAll('.remove')) {
    button.addEventListener('click', async () => {
      setCart(
        await api(`/carts/${cart.id}/items/${encodeURIComponent(button.dataset.sku)}`, { method: 'DELETE' }),
      )
      announce('Item removed')
      await cartPage()
    })
  }
  document.getElementById('promo-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const code = new FormData(event.target).get('code').trim()
    if (!code) return
    try {
      setCart(await api(`/carts/${cart.id}/promo`, { method: 'POST', body: { code } }))
      await cartPage(`<p class="notice" role="status">Promo code ${esc(code.toUpperCase())} applied.</p>`)
    } catch (error) {
      document.getElementById('promo-result').innerHTML = alertBox(describeError(error))
    }
  })
  document.getElementById('promo-remove')?.addEventListener('click', async () => {
    setCart(await api(`/carts/${cart.id}/promo`, { method: 'DELETE' }))
    await cartPage()
  })
}

let stripeState = null
async function mountStripe(container) {
  const key = state.config.stripePublishableKey
  if (!key) return null
  if (!window.Stripe) {
    await new Promise((resolve, reject) => {
      const script = document.createElement('script')
      script.src = 'https://js.stripe.com/v3/'
      script.onload = resolve
      script.onerror = () => reject(new Error('Stripe.js could not be loaded'))
      document.head.append(script)
    })
  }
  const stripe = window.Stripe(key)
  const card = stripe.elements().create('card')
  card.mount(container)
  stripeState = { stripe, card }
  return stripeState
}

async function checkoutPage() {
  const cart = await loadCart()
  if (!cart || cart.lines.length === 0) {
    location.hash = '#/cart'
    return
  }
  // The address book (when this build has one) fills in the default shipping address.
  const saved = await api('/addresses').catch(() => ({ items: [] }))
  const defaultAddress = saved.items.find((entry) => entry.isDefaultShipping)
  const a = cart.shippingAddress ?? defaultAddress ?? {}
  const field = (name, label, opts = '') =>
    `<div class="form-row"><label for="ship-${name}">${label}</label><input id="ship-${name}" name="${name}" value="${esc(a[name] ?? '')}" ${opts}>${fieldError(`ship-${name}`)}</div>`
  const testCards = state.config.testPaymentMethods
  const paymentFields = state.config.stripePublishableKey
    ? '<div class="form-row"><span id="card-label">Card</span><div id="card-element" class="card" aria-labelledby="card-label"></div></div>'
    : `<fieldset><legend>Test card</legend>${testCards
        .map(
          (m, i) =>
            `<label><input type="radio" name="paymentMethod" value="${esc(m)}" ${i === 0 ? 'checked' : ''}> ${esc(TEST_CARD_LABELS[m] ?? m)}</label><br>`,
        )
        .join('')}</fieldset>`
  render(
    `<h1>Checkout</h1>
     <div class="product">
     <form id="checkout-form" novalidate>
       <fieldset><legend>Contact</legend>
         <div class="form-row"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required value="${esc(cart.email ?? '')}">${fieldError('email')}</div>
       </fieldset>
       <fieldset><legend>Shipping address</legend><div class="form-grid">
         ${field('name', 'Full name', 'autocomplete="name" required')}
         ${field('line1', 'Address', 'autocomplete="address-line1" required')}
         ${field('line2', 'Address line 2 (optional)', 'autocomplete="address-line2"')}
         ${field('city', 'City', 'autocomplete="address-level2" required')}
         ${field('region', 'State or region (optional)', 'autocomplete="address-level1"')}
         ${field('postalCode', 'Postal code', 'autocomplete="postal-code"')}
         ${field('country', 'Country code (e.g. US, DE)', 'autocomplete="country" required maxlength="2"')}
       </div>
       ${defaultAddress ? '' : '<p><label><input type="checkbox" name="saveAddress" checked> Save this address to my address book</label></p>'}
       <button type="button" class="secondary" id="quote-button">Show shipping options</button>
       </fieldset>
       <fieldset id="shipping-options"><legend>Shipping method</legend><p class="muted">Enter your address to see shipping options.</p></fieldset>
       <div class="form-row"><label for="checkout-promo">Promo code</label>
         <div class="inline-row"><input id="checkout-promo" name="promo" value="${esc(cart.promoCode ?? '')}" autocomplete="off">
         <button type="button" class="secondary" id="checkout-promo-apply">Apply</button></div></div>
       <fieldset><legend>Payment</legend>${paymentFields}</fieldset>
       <div id="checkout-result" aria-live="assertive"></div>
       <button type="submit" class="large" id="place-order">Place order</button>
     </form>
     <aside aria-labelledby="summary-heading"><h2 id="summary-heading">Order summary</h2>
       <ul>${cart.lines.map((l) => `<li>${l.quantity} × ${esc(l.name)} — ${formatMoney(l.subtotal)}</li>`).join('')}</ul>
       <div id="checkout-totals">${totalsTable(cart.totals, cart.promoCode, cart)}</div>
     </aside></div>`,
    'Checkout',
  )
  const form = document.getElementById('checkout-form')
  const result = document.getElementById('checkout-result')
  const showTotals = () => {
    document.getElementById('checkout-totals').innerHTML = totalsTable(
      state.cart.totals,
      state.cart.promoCode,
      state.cart,
    )
  }
  const address = () => {
    const data = new FormData(form)
    const value = {}
    for (const key of ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'country']) {
      const v = String(data.get(key) ?? '').trim()
      if (v) value[key] = key === 'country' || key === 'region' ? v.toUpperCase() : v
    }
    return value
  }
  const saveAddressAndQuote = async () => {
    setCart(await api(`/carts/${cart.id}/shipping-address`, { method: 'PUT', body: address() }))
    // The cart view lists what ships to its address, and says when the chosen method does not.
    const quotes = { items: state.cart.shippingOptions }
    const refused =
      state.cart.shippingError?.code === 'shipping.method_unavailable'
        ? '<p class="alert" role="alert" id="method-unavailable">The shipping method you chose does not deliver to this address. Please choose one below.</p>'
        : ''
    const box = document.getElementById('shipping-options')
    box.innerHTML = `<legend>Shipping method</legend>${refused}${
      quotes.items.length
        ? quotes.items
            .map(
              (q, i) =>
                `<label><input type="radio" name="shippingMethodId" value="${esc(q.methodId)}" ${
                  (state.cart.shippingMethodId ?? quotes.items[0].methodId) === q.methodId ||
                  (!state.cart.shippingMethodId && i === 0)
                    ? 'checked'
                    : ''
                }> ${esc(q.name)} — ${formatMoney(q.price)} <span class="muted">(arrives ${esc(deliveryWindow(q.estimatedDelivery))})</span></label><br>`,
            )
            .join('')
        : '<p>No shipping to this address.</p>'
    }`
    for (const input of box.querySelectorAll('input')) input.addEventListener('change', chooseMethod)
    await chooseMethod()
  }
  const chooseMethod = async () => {
    const method = new FormData(form).get('shippingMethodId')
    if (!method) {
      showTotals()
      return
    }
    setCart(
      await api(`/carts/${cart.id}/shipping-method`, { method: 'PUT', body: { shippingMethodId: method } }),
    )
    showTotals()
  }
  /** Marks the fields `problems` names (and clears the others); false when there was one. */
  const showProblems = (problems) => {
    for (const { id } of CHECKOUT_FIELDS) markField(id, problems.get(id) ?? null)
    if (problems.size === 0) return true
    result.innerHTML = alertBox(
      problems.size === 1
        ? 'One field needs your attention; it is marked in red.'
        : `${problems.size} fields need your attention; they are marked in red.`,
    )
    document.getElementById(problems.keys().next().value)?.focus()
    return false
  }
  const addressFields = CHECKOUT_FIELDS.filter((f) => f.id !== 'email')
  document.getElementById('quote-button').addEventListener('click', async () => {
    result.innerHTML = ''
    if (!showProblems(checkFields(form, addressFields))) return
    try {
      await saveAddressAndQuote()
      announce('Shipping options updated')
    } catch (error) {
      result.innerHTML = alertBox(describeError(error))
    }
  })
  document.getElementById('checkout-promo-apply').addEventListener('click', async () => {
    result.innerHTML = ''
    const code = String(new FormData(form).get('promo') ?? '').trim()
    try {
      setCart(
        code
          ? await api(`/carts/${cart.id}/promo`, { method: 'POST', body: { code } })
          : await api(`/carts/${cart.id}/promo`, { method: 'DELETE' }),
      )
      showTotals()
      result.innerHTML = `<p class="notice">${code ? `Promo code ${esc(code.toUpperCase())} applied.` : 'Promo code removed.'}</p>`
    } catch (error) {
      result.innerHTML = alertBox(describeError(error))
    }
  })
  if (state.config.stripePublishableKey) {
    try {
      await mountStripe('#card-element')
    } catch (error) {
      result.innerHTML = alertBox(error.message)
    }
  }
  // One key per purchase attempt, kept across retries of that attempt (a double click, a timeout).
  let idempotencyKey = crypto.randomUUID()
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    result.innerHTML = ''
    if (!showProblems(checkFields(form, CHECKOUT_FIELDS))) return
    const button = document.getElementById('place-order')
    button.disabled = true
    try {
      const data = new FormData(form)
      const email = String(data.get('email') ?? '').trim()
      setCart(await api(`/carts/${cart.id}/email`, { method: 'PUT', body: { email } }))
      if (!data.get('shippingMethodId')) await saveAddressAndQuote()
      else setCart(await api(`/carts/${cart.id}/shipping-address`, { method: 'PUT', body: address() }))
      let method = data.get('paymentMethod')
      if (stripeState) {
        const created = await stripeState.stripe.createPaymentMethod({ type: 'card', card: stripeState.card })
        if (created.error) throw new Error(created.error.message)
        method = created.paymentMethod.id
      }
      const placed = await api('/checkout', {
        method: 'POST',
        headers: { 'Idempotency-Key': idempotencyKey },
        body: { cartId: cart.id, payment: { method, returnUrl: `${location.origin}/#/orders` } },
      })
      if (placed.outcome === 'requires_action' && stripeState && placed.action?.clientSecret) {
        await stripeState.stripe.handleNextAction({ clientSecret: placed.action.clientSecret })
      }
      if (data.get('saveAddress'))
        await api('/addresses', { method: 'POST', body: { address: address() } }).catch(() => undefined)
      localStorage.removeItem(cartKey())
      setCart(null)
      location.hash = `#/orders/${placed.order.id}?placed=1`
    } catch (error) {
      // A business answer is final for this key: the next attempt gets a fresh one.
      if (error instanceof ApiError && error.status < 500) idempotencyKey = crypto.randomUUID()
      const problems = fieldProblems(error, form)
      if (problems.size > 0) return showProblems(problems)
      result.innerHTML = alertBox(describeError(error, new Map(state.cart.lines.map((l) => [l.sku, l]))))
      result.querySelector('.alert')?.focus?.()
      await loadCart()
    } finally {
      button.disabled = false
    }
  })
}

/**
 * The checkout fields a shopper must get right, each with what to tell them when it is empty or
 * wrong: checked before anything is sent, so an empty form gets one sentence per field.
 */
const CHECKOUT_FIELDS = [
  {
    id: 'email',
    path: 'email',
    check: (value) =>
      !value
        ? 'Enter your email address, so we can send you the receipt.'
        : /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)
          ? null
          : 'This email address looks incomplete: it should look like name@example.com.',
  },
  {
    id: 'ship-name',
    path: 'name',
    check: (value) => (value ? null : 'Enter the name of the person receiving the parcel.'),
  },
  { id: 'ship-line1', path: 'line1', check: (value) => (value ? null : 'Enter the street address.') },
  { id: 'ship-city', path: 'city', check: (value) => (value ? null : 'Enter the town or city.') },
  {
    id: 'ship-country',
    path: 'country',
    check: (value) =>
      /^[A-Za-z]{2}$/.test(value)
        ? null
        : value
          ? 'Use the two-letter country code, such as US or DE.'
          : 'Enter the country as its two-letter code, such as US or DE.',
  },
]

const fieldError = (id) => `<p class="field-error" id="${id}-error" hidden></p>`

/** Problems with `fields` of `form`, by input id, in the form's order. */
function checkFields(form, fields) {
  const problems = new Map()
  for (const { id, check } of fields) {
    const message = check(form.querySelector(`#${id}`).value.trim())
    if (message) problems.set(id, message)
  }
  return problems
}

/** Shows `message` under the input (or clears it), tied to it for screen readers. */
function markField(id, message) {
  const input = document.getElementById(id)
  const error = document.getElementById(`${id}-error`)
  if (!input || !error) return
  error.textContent = message ?? ''
  error.hidden = !message
  if (message) {
    input.setAttribute('aria-invalid', 'true')
    input.setAttribute('aria-describedby', error.id)
  } else {
    input.removeAttribute('aria-invalid')
    input.removeAttribute('aria-describedby')
  }
}

/** The server's validation issues that belong to a checkout field, in the field's own words. */
function fieldProblems(error, form) {
  const problems = new Map()
  if (!(error instanceof ApiError) || error.code !== 'validation.failed') return problems
  for (const issue of error.details.issues ?? []) {
    const name = String(issue.path ?? '')
      .split('.')
      .pop()
    const field = CHECKOUT_FIELDS.find((f) => f.path === name)
    if (field && !problems.has(field.id)) {
      const value = form.querySelector(`#${field.id}`).value.trim()
      problems.set(field.id, field.check(value) ?? sentence(issue.message))
    }
  }
  return problems
}

const TEST_CARD_LABELS = {
  pm_card_visa: 'Visa (approved)',
  pm_card_mastercard: 'Mastercard (approved)',
  pm_card_amex: 'American Express (approved)',
  pm_card_chargeDeclined: 'Card declined',
  pm_card_chargeDeclinedInsufficientFunds: 'Declined: insufficient funds',
  pm_card_chargeDeclinedExpiredCard: 'Declined: expired card',
  pm_card_threeDSecure2Required: '3-D Secure required (order waits for payment)',
  pm_card_authenticationRequired: 'Authentication required (order waits for payment)',
}

const STATUS_TEXT = {
  pending_payment: 'Awaiting payment',
  held_for_review: 'Under review',
  confirmed: 'Confirmed',
  processing: 'Being prepared',
  partially_shipped: 'Partially shipped',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  payment_failed: 'Payment failed',
  refunded: 'Refunded',
  partially_refunded: 'Partially refunded',
  return_requested: 'Return requested',
  returned: 'Returned',
}

async function ordersPage() {
  const orders = await api('/orders?limit=50')
  render(
    `<h1>Your orders</h1>
     ${
       orders.items.length
         ? `<table><caption class="visually-hidden">Your orders, newest first</caption>
           <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Status</th><th scope="col" class="num">Total</th></tr></thead>
           <tbody>${orders.items
             .map(
               (
                 o,
               ) => `<tr><td><a href="#/orders/${o.id}">#${esc(o.displayNumber)}</a></td><td>${new Date(o.createdAt).toLocaleString()}</td>
                 <td><span class="status-badge">${esc(STATUS_TEXT[o.status] ?? o.status)}</span></td><td class="num">${formatMoney(o.totals.total)}</td></tr>`,
             )
             .join('')}</tbody></table>`
         : '<p>No orders yet.</p>'
     }`,
    'Orders',
  )
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })

/** An address as it is written on a parcel: every part it has, the country by name. */
function addressLines(address) {
  const place = [address.city, [address.region, address.postalCode].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ')
  let country = address.country
  try {
    country = regionNames.of(address.country) ?? address.country
  } catch {
    // Not a region code Intl knows: show the code itself.
  }
  return [address.name, address.line1, address.line2, place, country, address.phone].filter(Boolean)
}

/** Carrier tracking statuses as a shopper reads them. */
const SHIPMENT_TEXT = {
  label_created: 'Label created',
  picked_up: 'Picked up by the carrier',
  in_transit: 'In transit',
  out_for_delivery: 'Out for delivery',
  delivered: 'Delivered',
  failed_attempt: 'Delivery attempted',
  exception: 'Delayed',
  returned_to_sender: 'Returned to sender',
}

async function orderPage(id, params) {
  const order = await api(`/orders/${encodeURIComponent(id)}`)
  const cancellable = ['pending_payment', 'held_for_review', 'confirmed', 'processing'].includes(order.status)
  render(
    `<h1>Order #${esc(order.displayNumber)}</h1>
     ${params.get('placed') ? '<p class="notice" role="status">Thank you! Your order has been placed.</p>' : ''}
     <p>Status: <strong class="status-badge" id="order-status">${esc(STATUS_TEXT[order.status] ?? order.status)}</strong></p>
     ${/* fraud review: a held order waits for staff */ order.status === 'held_for_review' ? '<p class="notice" id="order-review-notice" role="status">We are checking a few details before we send this order. Your payment is authorised, not taken; we will confirm the order shortly, or cancel it and release the payment.</p>' : ''}
     <table><caption class="visually-hidden">Items in this order</caption>
       <thead><tr><th scope="col">Item</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Price</th><th scope="col" class="num">Total</th></tr></thead>
       <tbody>${order.lines
         .map(
           (l) =>
             `<tr><td>${esc(l.name)}</td><td class="num">${l.quantity}</td><td class="num">${formatMoney(l.unitPrice)}</td><td class="num">${formatMoney(lineAmount(l))}</td></tr>`,
         )
         .join('')}</tbody></table>
     ${totalsTable(order.totals, order.promoCode)}
     ${order.estimatedDelivery && !['delivered', 'cancelled', 'payment_failed'].includes(order.status) ? `<p id="estimated-delivery">Estimated delivery: <strong>${esc(deliveryWindow(order.estimatedDelivery))}</strong></p>` : ''}
     ${order.shippingAddress ? `<h2>Shipping to</h2><address id="shipping-address">${addressLines(order.shippingAddress).map(esc).join('<br>')}</address>` : ''}
     ${order.shipments.length ? `<h2>Shipments</h2><ul>${order.shipments.map((s) => `<li>${esc(s.carrier)} ${esc(s.trackingNumber)}: ${esc(SHIPMENT_TEXT[s.status] ?? s.status)}</li>`).join('')}</ul>` : ''}
     <h2>History</h2>
     <ol>${order.history.map((h) => `<li>${new Date(h.at).toLocaleString()}: ${esc(STATUS_TEXT[h.to] ?? h.to)}</li>`).join('')}</ol>
     ${cancellable ? '<button type="button" class="secondary" id="cancel-order">Cancel order</button>' : ''}
     <div id="order-result" aria-live="polite"></div>
     <p><a href="#/orders">All orders</a></p>`,
    `Order ${order.displayNumber}`,
  )
  document.getElementById('cancel-order')?.addEventListener('click', async () => {
    try {
      await api(`/orders/${order.id}/cancel`, {
        method: 'POST',
        body: { reason: 'Cancelled by the customer' },
      })
      await orderPage(id, new URLSearchParams())
      announce('Order cancelled')
    } catch (error) {
      document.getElementById('order-result').innerHTML = alertBox(describeError(error))
    }
  })
}

// ---------- seller portal (marketplace sellers: each ships their own part of an order) ----------

const SELLER_KEY = 'souk.seller'
const PART_STATUS = {
  unfulfilled: 'To ship',
  partially_shipped: 'Partly shipped',
  shipped: 'Shipped',
  delivered: 'Delivered',
}

function sellerSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SELLER_KEY) ?? 'null')
  } catch {
    return null
  }
}

/** A call to /api/sellers/<id>/... with the seller's token (kept in this tab only). */
function sellerApi(seller, path, options = {}) {
  return api(`/sellers/${encodeURIComponent(seller.sellerId)}${path}`, {
    ...options,
    headers: { authorization: `Bearer ${seller.token}` },
  })
}

function sellerSignInForm(message = '') {
  render(
    `<h1>Seller portal</h1>${message}
     <p>Sellers ship their own part of each order. Sign in with your seller id and seller token.</p>
     <form id="seller-sign-in" class="stacked-form">
       <label for="seller-id">Seller id</label>
       <input id="seller-id" name="sellerId" required autocomplete="username" placeholder="sel_01…">
       <label for="seller-token">Seller token</label>
       <input id="seller-token" name="token" type="password" required autocomplete="current-password">
       <button type="submit">Sign in</button>
     </form>`,
    'Seller portal',
  )
  document.getElementById('seller-sign-in').addEventListener('submit', async (event) => {
    event.preventDefault()
    const form = new FormData(event.target)
    const seller = { sellerId: String(form.get('sellerId')).trim(), token: String(form.get('token')).trim() }
    sessionStorage.setItem(SELLER_KEY, JSON.stringify(seller))
    await sellerPage()
  })
}

function sellerPartRow(part) {
  const lines = part.lines
    .map(
      (l) =>
        `<li>${l.quantity} × ${esc(l.name)} <span class="muted">(${esc(l.sku)})</span>${l.remainingQuantity > 0 ? ` · <strong>${l.remainingQuantity} to ship</strong>` : ''}</li>`,
    )
    .join('')
  const parcels = part.shipments
    .map(
      (s) =>
        `<li>${esc(s.carrier)} ${esc(s.trackingNumber)}: ${esc(s.status.replaceAll('_', ' '))}${
          s.status === 'delivered'
            ? ''
            : ` <button type="button" class="link-button" data-deliver="${esc(s.id)}">Mark delivered</button>`
        }</li>`,
    )
    .join('')
  const shipForm = part.canShip
    ? `<form class="inline-form" data-ship="${esc(part.orderId)}">
         <label class="visually-hidden" for="carrier-${esc(part.orderId)}">Carrier</label>
         <input id="carrier-${esc(part.orderId)}" name="carrier" required placeholder="Carrier" size="8">
         <label class="visually-hidden" for="tracking-${esc(part.orderId)}">Tracking number</label>
         <input id="tracking-${esc(part.orderId)}" name="trackingNumber" required placeholder="Tracking number" size="14">
         <button type="submit">Ship what is left</button>
       </form>`
    : ''
  return `<tr>
    <td>#${esc(part.displayNumber)}<br><span class="muted">${new Date(part.placedAt).toLocaleDateString()}</span></td>
    <td><span class="badge">${esc(PART_STATUS[part.status] ?? part.status)}</span><br><span class="muted">order: ${esc(part.orderStatus.replaceAll('_', ' '))}</span></td>
    <td><ul class="plain">${lines}</ul>${parcels ? `<ul class="plain">${parcels}</ul>` : ''}${shipForm}</td>
  </tr>`
}

async function sellerPage(message = '') {
  const seller = sellerSession()
  if (!seller) return sellerSignInForm(message)
  let parts
  try {
    parts = await sellerApi(seller, '/fulfilments?limit=50')
  } catch (error) {
    sessionStorage.removeItem(SELLER_KEY)
    return sellerSignInForm(alertBox(describeError(error)))
  }
  render(
    `<h1>Seller portal</h1>${message}
     <p>Signed in as <code>${esc(seller.sellerId)}</code>. <button type="button" class="link-button" id="seller-sign-out">Sign out</button></p>
     <div id="seller-result"></div>
     ${
       parts.items.length === 0
         ? '<p>No orders with your items yet.</p>'
         : `<table class="seller-parts"><thead><tr><th>Order</th><th>Your part</th><th>Items and parcels</th></tr></thead>
            <tbody>${parts.items.map(sellerPartRow).join('')}</tbody></table>`
     }`,
    'Seller portal',
  )
  document.getElementById('seller-sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(SELLER_KEY)
    sellerSignInForm()
  })
  const fail = (error) => {
    document.getElementById('seller-result').innerHTML = alertBox(describeError(error))
  }
  for (const form of main.querySelectorAll('form[data-ship]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      const data = new FormData(form)
      try {
        await sellerApi(seller, `/fulfilments/${encodeURIComponent(form.dataset.ship)}/shipments`, {
          method: 'POST',
          body: { carrier: data.get('carrier'), trackingNumber: data.get('trackingNumber') },
        })
        announce('Shipment recorded')
        await sellerPage('<p class="notice" role="status">Shipment recorded.</p>')
      } catch (error) {
        fail(error)
      }
    })
  }
  for (const button of main.querySelectorAll('button[data-deliver]')) {
    button.addEventListener('click', async () => {
      try {
        await sellerApi(seller, `/shipments/${encodeURIComponent(button.dataset.deliver)}/tracking`, {
          method: 'POST',
          body: { status: 'delivered', description: 'Delivered' },
        })
        await sellerPage('<p class="notice" role="status">Marked delivered.</p>')
      } catch (error) {
        fail(error)
      }
    })
  }
}

// ---------- end of seller portal ----------

// ---------- search suggestions (autocomplete) ----------
// A combobox on the header's search box: as the shopper types, /api/search/suggest proposes products
// and categories (typos tolerated). Arrow keys move through them, Enter opens one, Escape closes.

const SUGGEST_DELAY_MS = 150

function setUpSuggest() {
  const input = document.getElementById('search-input')
  const list = document.getElementById('search-suggest')
  let options = []
  let active = -1
  let timer = null
  let asked = 0

  const close = () => {
    list.hidden = true
    list.innerHTML = ''
    options = []
    active = -1
    input.setAttribute('aria-expanded', 'false')
    input.removeAttribute('aria-activedescendant')
  }
  const highlight = (index) => {
    active = index
    for (const [i, element] of [...list.querySelectorAll('[role="option"]')].entries()) {
      element.setAttribute('aria-selected', String(i === index))
    }
    if (index < 0) input.removeAttribute('aria-activedescendant')
    else input.setAttribute('aria-activedescendant', `search-suggest-${index}`)
  }
  const open = (index) => {
    const option = options[index]
    if (!option) return
    close()
    location.hash = option.href
  }
  const show = (result) => {
    options = [
      ...result.products.map((p) => ({
        href: `#/product/${encodeURIComponent(p.slug)}`,
        label: p.name,
        kind: 'Product',
      })),
      ...result.categories.map((c) => ({
        href: `#/search?${new URLSearchParams({ categoryId: c.id })}`,
        label: c.name,
        kind: `Category · ${c.count}`,
      })),
    ]
    if (options.length === 0) return close()
    list.innerHTML = options
      .map(
        (o, i) => `<div id="search-suggest-${i}" role="option" aria-selected="false" data-index="${i}">
          <span class="suggest-label">${esc(o.label)}</span><span class="suggest-kind">${esc(o.kind)}</span></div>`,
      )
      .join('')
    list.hidden = false
    input.setAttribute('aria-expanded', 'true')
    highlight(-1)
  }
  const ask = async () => {
    const q = input.value.trim()
    const mine = ++asked
    if (q === '') return close()
    try {
      const result = await api(`/search/suggest?${new URLSearchParams({ q, limit: '6' })}`)
      // A slower answer to an older keystroke must not replace a newer one.
      if (mine === asked && document.activeElement === input) show(result)
    } catch {
      if (mine === asked) close()
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(ask, SUGGEST_DELAY_MS)
  })
  input.addEventListener('keydown', (event) => {
    if (list.hidden) return
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      // Past either end the focus returns to the text (-1), as in a native datalist.
      const next = active + step
      highlight(next >= options.length ? -1 : next < -1 ? options.length - 1 : next)
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault()
      open(active)
    } else if (event.key === 'Escape') {
      event.preventDefault()
      close()
    }
  })
  input.addEventListener('blur', () => close())
  // mousedown, not click: it comes before the input's blur closes the list.
  list.addEventListener('mousedown', (event) => {
    const item = event.target.closest('[role="option"]')
    if (!item) return
    event.preventDefault()
    open(Number(item.dataset.index))
  })
  document.getElementById('search-form').addEventListener('submit', () => {
    asked++
    close()
  })
}

// ---------- router ----------

let routing = Promise.resolve()

/**
 * Shows the page the hash names. Navigations run one after another, so a slow earlier page (the
 * home page still loading when the shopper follows a link) can never paint over a later one.
 */
function route() {
  routing = routing.then(showRoute)
  return routing
}

async function showRoute() {
  const hash = location.hash.replace(/^#/, '') || '/'
  const [path, queryString = ''] = hash.split('?')
  const params = new URLSearchParams(queryString)
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  try {
    if (parts.length === 0) await homePage()
    else if (parts[0] === 'search') await searchPage(params)
    else if (parts[0] === 'product' && parts[1]) await productPage(parts[1])
    else if (parts[0] === 'cart') await cartPage()
    else if (parts[0] === 'device' && parts[1]) await deviceSignInPage(parts[1])
    else if (parts[0] === 'checkout') await checkoutPage()
    else if (parts[0] === 'orders' && parts[1]) await orderPage(parts[1], params)
    else if (parts[0] === 'orders') await ordersPage()
    else if (parts[0] === 'seller') await sellerPage()
    else render('<h1>Page not found</h1><p><a href="#/">Go to the home page</a></p>', 'Not found')
  } catch (error) {
    const notFound = error instanceof ApiError && error.code === 'not_found'
    render(
      `<h1>${notFound ? 'Not found' : 'Something went wrong'}</h1>${alertBox(describeError(error))}<p><a href="#/">Home</a></p>`,
      'Error',
    )
  }
}

async function start() {
  state.config = await api('/config')
  const saved = localStorage.getItem('souk.currency')
  state.currency = state.config.currencies.includes(saved) ? saved : state.config.defaultCurrency
  const select = document.getElementById('currency-select')
  select.innerHTML = state.config.currencies
    .map((c) => `<option ${c === state.currency ? 'selected' : ''}>${c}</option>`)
    .join('')
  select.addEventListener('change', async () => {
    state.currency = select.value
    localStorage.setItem('souk.currency', state.currency)
    await loadCart()
    await route()
  })
  document.getElementById('search-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const q = new FormData(event.target).get('q').trim()
    location.hash = `#/search?${new URLSearchParams({ q })}`
  })
  setUpSuggest()
  await ensureSession()
  await loadCart()
  window.addEventListener('hashchange', route)
  await route()
}

start().catch((error) => {
  render(`<h1>The shop could not start</h1>${alertBox(describeError(error))}`)
})
