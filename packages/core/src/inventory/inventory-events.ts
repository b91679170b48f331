/** Events the Inventory service publishes after its transaction commits. */
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
      /** Available stock of a SKU (all locations) fell to or below its low-stock threshold. */
      readonly type: 'inventory.low_stock'
      readonly sku: string
      readonly available: number
      readonly threshold: number
      readonly occurredAt: Date
    }
  | {
      /** Available stock of a SKU rose from zero (or below) to positive. */
      readonly type: 'inventory.back_in_stock'
      readonly sku: string
      readonly available: number
      /** Customers who asked to be told, for the host app's notifications. */
      readonly subscribers: readonly string[]
      readonly occurredAt: Date
    }
