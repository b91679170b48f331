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
}

/**
 * Proof of one admission, to carry into checkout: reserve `sku` through
 * `commerce.inventory.reserve` (the database decides), and use `id` as the reservation reference or
 * idempotency key. Redis keeps only a count per customer, so `release` needs no ticket.
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
}
