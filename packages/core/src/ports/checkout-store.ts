import type { VariantPricing } from '../catalog/catalog-types.js'
import type { Allocation, ReservationLine } from '../inventory/inventory-types.js'
import type { CartRecord } from './cart-store.js'
import type { NewOrder, OrderStatus } from './order-store.js'
import type { NewOutboxMessage } from './outbox-store.js'
import type { PaymentState } from './payment-provider.js'

/** An idempotency key as checkout finds it. */
export interface CheckoutKey {
  readonly requestHash: string
  readonly status: 'in_progress' | 'completed'
  /** The order the key is bound to (set by `begin` in the same transaction as the order). */
  readonly resourceId: string | null
  /** The stored answer of a completed key. */
  readonly response: unknown
  /** Until when the request holding an in-progress key is trusted to finish it itself. */
  readonly lockedUntil: Date | null
  readonly expiresAt: Date
}

/** Everything placeOrder reads before it writes. */
export interface CheckoutSnapshot {
  /** The key, if one was ever claimed (it may have expired: compare `expiresAt`). */
  readonly key: CheckoutKey | null
  readonly cart: CartRecord | null
  /** The variants of the cart's lines, priced in the cart's currency; unknown SKUs are absent. */
  readonly variants: readonly VariantPricing[]
}

export interface BeginCheckoutInput {
  readonly key: {
    readonly scope: string
    readonly key: string
    readonly requestHash: string
    readonly lockedUntil: Date
    readonly expiresAt: Date
  }
  /** The order to create, `pending_payment`, with its `reservationId` and `cartId`. */
  readonly order: NewOrder
  /** The cart version that was priced: `begin` closes the cart only at that version. */
  readonly cartVersion: number
  readonly reservation: {
    readonly id: string
    /** One line per SKU, quantities summed. */
    readonly lines: readonly ReservationLine[]
    /**
     * A host allocation strategy's plan, re-checked by the store; null asks the store for the
     * default allocation (`defaultAllocationStrategy`), which it makes from locked counters.
     */
    readonly allocations: readonly Allocation[] | null
    readonly expiresAt: Date
  }
  /** The promotion to redeem for this order, its limits checked under a lock. */
  readonly promotion: { readonly id: string } | null
  /** Written to the outbox in the same transaction. */
  readonly outbox: readonly NewOutboxMessage[]
  readonly at: Date
}

export type BeginCheckoutResult =
  | {
      readonly outcome: 'created'
      readonly displayNumber: string
      readonly allocations: readonly Allocation[]
    }
  /** Another request holds the key: nothing was written. */
  | { readonly outcome: 'key_taken'; readonly key: CheckoutKey }

export interface FinishCheckoutInput {
  readonly orderId: string
  /**
   * The status the order must be in to move: `pending_payment` (default), or `held_for_review` for
   * staff deciding a fraud review (`to` `confirmed` approves: stock committed; `cancelled` rejects:
   * stock released, promotion use given back; either way the review is marked decided).
   */
  readonly from?: Extract<OrderStatus, 'pending_payment' | 'held_for_review'>
  /**
   * The status to move the order to from `from`; null records the payment and completes the key
   * without moving the order (a payment waiting for the customer). An order flagged for review
   * (`storage.fraud.flag`) that is finished `pending_payment → confirmed` is held instead:
   * `held_for_review`, its stock kept reserved until the review's `holdUntil`, with `held`'s outbox
   * and response written in place of `outbox` and `response`.
   */
  readonly to: Extract<OrderStatus, 'confirmed' | 'payment_failed' | 'cancelled'> | null
  /** What to write when the order is held for review instead of confirmed. */
  readonly held?: { readonly outbox: readonly NewOutboxMessage[]; readonly response: unknown }
  /** Staff deciding a review (`from: 'held_for_review'`): who, kept on the review with `note`. */
  readonly decidedBy?: string | null
  readonly note: string | null
  /** The provider's newest state of the payment, stored unless an older snapshot. */
  readonly payment: { readonly id: string; readonly provider: string; readonly state: PaymentState } | null
  /** Completes this key (and any in-progress key bound to the order) with `response`. */
  readonly key: { readonly scope: string; readonly key: string } | null
  readonly response: unknown
  /** Written to the outbox in the same transaction, when the order moved. */
  readonly outbox: readonly NewOutboxMessage[]
  readonly at: Date
}

export interface FinishCheckoutResult {
  /** False when the order was no longer `pending_payment` (someone else ended it). */
  readonly moved: boolean
  readonly status: OrderStatus
  readonly updatedAt: Date
  /** The order's reservation after the call. */
  readonly reservation: { readonly id: string; readonly status: string } | null
}

/**
 * The money path in as few round trips as a storage can make it: one read, then `begin` and
 * `finish`, each atomic. `begin` claims the idempotency key bound to the new order, closes the cart
 * (compare-and-set on its version), creates the order, redeems the promotion, reserves every line
 * all-or-nothing and writes the outbox; `finish` records the payment, moves the order, commits or
 * releases its stock (giving back the promotion and reopening the cart on failure) and completes
 * the key. Business refusals are thrown as typed errors and leave nothing behind:
 * `InsufficientStockError`, `NotFoundError('sku')`, `ConflictError` (`cart.checked_out`, or
 * `conflict` when the cart changed since it was read), `PromotionError`, and `ReservationStateError`
 * when `finish` would confirm an order whose hold ended.
 * Contract: `@souk/core/testing`'s `checkoutStoreSuite`.
 */
export interface CheckoutStore {
  /** `at`: the instant whose prices in force the variants carry (default: the database's time). */
  read(input: { scope: string; key: string; cartId: string; at?: Date }): Promise<CheckoutSnapshot>
  begin(input: BeginCheckoutInput): Promise<BeginCheckoutResult>
  finish(input: FinishCheckoutInput): Promise<FinishCheckoutResult>
}
