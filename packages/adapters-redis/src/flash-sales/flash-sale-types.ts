import type { Money } from '@souk/core'

/** A sale as the gate holds it. */
export interface FlashSale {
  readonly id: string
  readonly sku: string
  /** Units the gate admits in total. */
  readonly quantity: number
  /** Admissions one customer may hold at once. */
  readonly perCustomerLimit: number
  readonly startsAt: Date
  /** Admissions stop at this instant (exclusive). */
  readonly endsAt: Date
  /** What an admitted buyer pays per unit at checkout with the ticket; null: no sale price. */
  readonly price: Money | null
}

/**
 * Proof of one admission, to carry into checkout: pass `{ saleId, ticketId: id }` in
 * `placeOrder({ flashSaleTickets })` to buy one unit of `sku` at the sale's `price` (checkout asks
 * the gate, so the price never comes from the client), or reserve `sku` through
 * `commerce.inventory.reserve` with `id` as the reference. The gate keeps each ticket with its
 * customer; `release` voids the customer's newest unclaimed one.
 */
export interface FlashSaleTicket {
  /** `fst_<ulid>`. */
  readonly id: string
  readonly saleId: string
  readonly customerId: string
  readonly sku: string
  /** Admissions this customer holds in the sale, this one included. */
  readonly held: number
  readonly admittedAt: Date
  /** The sale price this ticket buys one unit at; null when the sale has none. For display only. */
  readonly price: Money | null
}

export interface FlashSaleAdmission {
  readonly admitted: true
  readonly ticket: FlashSaleTicket
  /** Units left after this admission. */
  readonly remaining: number
}

export interface FlashSaleStats extends FlashSale {
  readonly remaining: number
  /** Admissions granted so far, those released since included. */
  readonly admitted: number
  /** Admissions given back with `release`. */
  readonly released: number
  /** Admissions held now: `admitted - released`, which is `quantity - remaining`. */
  readonly held: number
  /** Distinct customers holding at least one admission. */
  readonly holders: number
}

/** The Redis keys of one sale. Both carry the hash tag `{sale:<id>}`, so they share one Cluster slot. */
export interface FlashSaleKeys {
  /** Hash: the sale's settings, remaining count and totals. */
  readonly sale: string
  /** Hash: customer id -> admissions held. */
  readonly customers: string
  /** Hash: ticket id -> the customer it was issued to. */
  readonly tickets: string
  /** Hash: ticket id -> the checkout (claim key) that spent it. */
  readonly claims: string
  /** Hash: customer id -> the customer's unclaimed ticket ids. */
  readonly holders: string
}
