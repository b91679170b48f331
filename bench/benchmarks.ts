import { cartAddItem } from './cart.js'
import { catalogReads } from './catalog.js'
import { checkoutThroughput } from './checkout.js'
import { eventRelay } from './event-relay.js'
import { flashSale } from './flash-sale.js'
import { flashSaleCluster } from './flash-sale-cluster.js'
import { httpStorefront } from './http-storefront.js'
import { inventoryReservations } from './inventory-reservations.js'
import type { Benchmark } from './lib/benchmark.js'
import { searchQueries } from './search.js'

/** Every benchmark `bench/run.ts` knows, in the order a full run takes them. */
export const benchmarks: readonly Benchmark[] = [
  inventoryReservations,
  catalogReads,
  searchQueries,
  checkoutThroughput,
  eventRelay,
  flashSale,
  flashSaleCluster,
  cartAddItem,
  httpStorefront,
]
