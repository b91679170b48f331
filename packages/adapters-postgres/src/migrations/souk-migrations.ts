import type { Migration } from 'kysely'
import { inventoryMigration } from './001-inventory.js'
import { commerceMigration } from './002-commerce.js'
import { catalogMigration } from './003-catalog.js'
import { searchMigration } from './004-search.js'
import { pricingMigration } from './005-pricing.js'
import { checkoutMigration } from './006-checkout.js'
import { fasterReservationsMigration } from './007-faster-reservations.js'
import { checkoutStatementsMigration } from './008-checkout-statements.js'
import { eventSubscribersMigration } from './009-event-subscribers.js'
import { stockSignalsMigration } from './010-stock-signals.js'
import { inStockFlagMigration } from './011-in-stock-flag.js'
import { inventoryEventsMigration } from './012-inventory-events.js'
import { pricesMigration } from './013-prices.js'
import { deliveryMigration } from './014-delivery.js'
import { searchSuggestMigration } from './015-search-suggest.js'
import { fraudMigration } from './016-fraud.js'
import { catalogCountsMigration } from './017-catalog-counts.js'

/** Souk's migrations, in order. Names are permanent: never rename or reorder one that shipped. */
export function soukMigrations(schema: string): Record<string, Migration> {
  return {
    '001-inventory': inventoryMigration(schema),
    '002-commerce': commerceMigration(schema),
    '003-catalog': catalogMigration(schema),
    '004-search': searchMigration(schema),
    '005-pricing': pricingMigration(schema),
    '006-checkout': checkoutMigration(schema),
    '007-faster-reservations': fasterReservationsMigration(schema),
    '008-checkout-statements': checkoutStatementsMigration(schema),
    '009-event-subscribers': eventSubscribersMigration(schema),
    '010-stock-signals': stockSignalsMigration(schema),
    '011-in-stock-flag': inStockFlagMigration(schema),
    '012-inventory-events': inventoryEventsMigration(schema),
    '013-prices': pricesMigration(schema),
    '014-delivery': deliveryMigration(schema),
    '015-search-suggest': searchSuggestMigration(schema),
    '016-fraud': fraudMigration(schema),
    '017-catalog-counts': catalogCountsMigration(schema),
  }
}
