import type { Money } from '../money/money.js'

/** A flash-sale ticket as the buyer carries it into checkout: the sale and the ticket's id. */
export interface FlashSaleTicketRef {
  readonly saleId: string
  readonly ticketId: string
}

/** A ticket the gate verified and claimed: one unit of `sku` at `price`. */
export interface ClaimedFlashSaleTicket extends FlashSaleTicketRef {
  readonly sku: string
  readonly price: Money
}

export interface FlashSaleClaimInput {
  readonly tickets: readonly FlashSaleTicketRef[]
  /** The buyer: each ticket must have been issued to this customer. */
  readonly customerId: string
  /**
   * Who claims: checkout passes its idempotency key, so a retry of the same checkout claims the
   * same tickets again, and any other checkout is refused them.
   */
  readonly claimKey: string
}

/**
 * Where checkout learns the sale price of a flash-sale ticket, server-side: the client sends only
 * ticket ids, never a price. `redisFlashSales` implements it over the gate that issued the
 * tickets. Pass it to `createCommerce({ flashSales })`.
 */
export interface FlashSalePrices {
  /**
   * Verifies and claims every ticket, all or nothing: each must exist, belong to `customerId`, be
   * unclaimed or claimed with this `claimKey`, and come from a sale with a price whose claim
   * window is open. Throws `ValidationError` (path `flashSaleTickets.<i>`) otherwise.
   */
  claimTickets(input: FlashSaleClaimInput): Promise<readonly ClaimedFlashSaleTicket[]>
  /** Gives claimed tickets back (checkout failed before it created an order). Idempotent. */
  unclaimTickets(input: FlashSaleClaimInput): Promise<void>
}
