/**
 * Inventory events. `reserved`, `committed`, `released` and `adjusted` are published on the
 * in-process bus (`commerce.events`) after the change commits, and a storage with an event log
 * also writes them to the outbox in the change's transaction, on every path (`commerce.inventory`,
 * checkout, expiry, order cancellations' and returns' restocks, which are `adjusted` with reason
 * `'restock'` and durable only). Their aggregate is the reservation's reference when it has one
 * (checkout: the order), else the reservation id; for `adjusted`, the SKU. `low_stock` and
 * `back_in_stock` are durable only: storage writes them to the outbox in the transaction that changes the stock,
 * on every path (reservations, checkout, commits, releases, expiry, restocks, adjustments), and
 * they reach durable subscribers (`commerce.subscribers`), never the in-process bus.
 *
 * Once per crossing: each SKU has a stock state ('in', 'low' at or below its threshold, 'out' at
 * or below zero) that storage moves, under a row lock, only when the counters move it. An event
 * fires when the state changes, so writers racing across the line raise one event, and a SKU
 * that stays low raises nothing more until it has gone back above the line. A settings change
 * (threshold, tracked) moves the state without an event.
 */
export type InventoryEvent =
  | {
      readonly type: 'inventory.reserved'
      readonly reservationId: string
      readonly reference: string | null
      readonly lines: readonly { readonly sku: string; readonly quantity: number }[]
      readonly expiresAt: Date
      readonly occurredAt: Date
    }
  | {
      readonly type: 'inventory.committed'
      readonly reservationId: string
      readonly reference: string | null
      readonly lines: readonly { readonly sku: string; readonly quantity: number }[]
      readonly occurredAt: Date
    }
  | {
      readonly type: 'inventory.released'
      readonly reservationId: string
      readonly reference: string | null
      /** `expired` when the sweeper released it after its expiry. */
      readonly reason: 'released' | 'expired'
      readonly occurredAt: Date
    }
  | {
      readonly type: 'inventory.adjusted'
      readonly sku: string
      readonly locationId: string
      readonly delta: number
      readonly onHand: number
      readonly reason: string
      readonly occurredAt: Date
    }
  | {
      /**
       * Durable only. Available stock of a SKU (all locations) fell from above its low-stock
       * threshold to at or below it (sold out included); `available` is after the change.
       */
      readonly type: 'inventory.low_stock'
      readonly sku: string
      readonly available: number
      readonly threshold: number
      readonly occurredAt: Date
    }
  | {
      /**
       * Durable only. Available stock of a SKU rose from zero (or below) to positive; a SKU's
       * first stock counts.
       */
      readonly type: 'inventory.back_in_stock'
      readonly sku: string
      readonly available: number
      /**
       * Customers who asked to be told, oldest first, for the host app's notifications. Their
       * subscriptions are deleted with the event, so each is told once.
       */
      readonly subscribers: readonly string[]
      readonly occurredAt: Date
    }
