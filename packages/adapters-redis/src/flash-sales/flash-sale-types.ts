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
  /** How many Redis slots the units are split over (1: the whole sale on one node). */
  readonly slots: number
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
  /**
   * Units left after this admission: in the whole sale for a one-slot sale, in the buyer's slot
   * for a sale with slots (the sale has at least that many left).
   */
  readonly remaining: number
}

export interface FlashSaleStats extends FlashSale {
  readonly remaining: number
  /** Admissions granted so far, those released since included. */
  readonly admitted: number
  /** Admissions given back with `release`. */
  readonly released: number
  /** Admissions held now: `admitted - released`, which is `quantity - remaining - inTransit`. */
  readonly held: number
  /** Distinct customers holding at least one admission. */
  readonly holders: number
  /**
   * Units one slot has lent to another that the other has not counted yet (always 0 for a
   * one-slot sale; for a sale with slots, momentarily above 0 while a buyer borrows, and left above
   * 0 by a buyer that died between the two steps until that slot's next buyer borrows again).
   */
  readonly inTransit: number
}

/**
 * The Redis keys of one slot of a sale. All carry the slot's hash tag (`{sale:<id>}` for slot 0,
 * the only slot of a one-slot sale), so they share one Cluster hash slot.
 */
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
