import type { Commerce } from '@souk/core'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Figures read from storage at scrape time (see wiring/postgres-stats.ts). */
export interface StorefrontStats {
  ordersByStatus(): Promise<readonly { status: string; count: number }[]>
  stockTotals(): Promise<{
    onHand: number
    reserved: number
    available: number
    outOfStockSkus: number
    lowStockSkus: number
  }>
}

export interface StorefrontMetrics {
  readonly registry: Registry
  /** Records one placeOrder call as seen over HTTP. */
  observeCheckout(outcome: string, seconds: number): void
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** Unsubscribes from commerce events. */
  close(): void
}

/**
 * The storefront's Prometheus metrics on their own registry: orders by status and stock levels
 * (read from storage when scraped, so they are right across processes), cart additions (from
 * `cart.item_added` events), checkout duration, HTTP request duration and Node's defaults.
 *
 * Stock is exported as totals and counts, not one series per SKU: a catalog of 100k SKUs would
 * make 100k series, which Prometheus handles badly.
 */
export function createStorefrontMetrics(
  commerce: Commerce,
  stats: StorefrontStats | null,
): StorefrontMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  const cartAdditions = new Counter({
    name: 'souk_cart_additions_total',
    help: 'Items added to carts (cart.item_added events)',
    registers: [registry],
  })
  const cartUnits = new Counter({
    name: 'souk_cart_added_units_total',
    help: 'Units added to carts (sum of cart.item_added quantities)',
    registers: [registry],
  })
  const checkout = new Histogram({
    name: 'souk_checkout_duration_seconds',
    help: 'Time to place an order over HTTP, by outcome (confirmed, requires_action, or the error code)',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const requests = new Histogram({
    name: 'souk_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  })
  const statusChanges = new Counter({
    name: 'souk_order_status_changes_total',
    help: 'Order status transitions made by this process (order.status_changed events)',
    labelNames: ['to'],
    registers: [registry],
  })

  if (stats) {
    new Gauge({
      name: 'souk_orders',
      help: 'Orders by status, counted in storage at scrape time',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        this.reset()
        for (const row of await stats.ordersByStatus()) this.set({ status: row.status }, row.count)
      },
    })
    new Gauge({
      name: 'souk_stock_units',
      help: 'Units of stock over all SKUs and locations, by state (on_hand, reserved, available)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const totals = await stats.stockTotals()
        this.set({ state: 'on_hand' }, totals.onHand)
        this.set({ state: 'reserved' }, totals.reserved)
        this.set({ state: 'available' }, totals.available)
      },
    })
    new Gauge({
      name: 'souk_stock_skus',
      help: 'Tracked SKUs that are out of stock or at/below their low-stock threshold',
      labelNames: ['level'],
      registers: [registry],
      async collect() {
        const totals = await stats.stockTotals()
        this.set({ level: 'out_of_stock' }, totals.outOfStockSkus)
        this.set({ level: 'low' }, totals.lowStockSkus)
      },
    })
  }

  const unsubscribe = [
    commerce.events.on('cart.item_added', (event) => {
      cartAdditions.inc()
      cartUnits.inc(event.quantity)
    }),
    commerce.events.on('order.status_changed', (event) => statusChanges.inc({ to: event.to })),
  ]

  return {
    registry,
    observeCheckout: (outcome, seconds) => checkout.observe({ outcome }, seconds),
    observeRequest: (method, route, status, seconds) =>
      requests.observe({ method, route, status: String(status) }, seconds),
    close() {
      for (const off of unsubscribe) off()
    },
  }
}
