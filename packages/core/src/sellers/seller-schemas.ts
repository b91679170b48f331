import { z } from 'zod'
import {
  adjustStockSchema,
  entityIdSchema,
  setStockSchema,
  skuRefSchema,
} from '../inventory/inventory-schemas.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'

/** Whose portal: `commerce.sellers.portal({ sellerId })`. */
export const sellerPortalSchema = z.strictObject({ sellerId: entityIdSchema })
export type SellerPortalInput = z.input<typeof sellerPortalSchema>

/** On hand of a SKU of one of the seller's products at `locationId` (default `'default'`). */
export const sellerSetStockSchema = setStockSchema.omit({ allowUnknownSku: true })
export type SellerSetStockInput = z.input<typeof sellerSetStockSchema>

/**
 * A change of on hand for a SKU of one of the seller's products, at `locationId` (default
 * `'default'`); `reason` goes into `inventory.adjusted`.
 */
export const sellerAdjustStockSchema = adjustStockSchema.omit({ allowUnknownSku: true })
export type SellerAdjustStockInput = z.input<typeof sellerAdjustStockSchema>

/** A SKU of one of the seller's products. */
export const sellerStockRefSchema = skuRefSchema
export type SellerStockRef = z.input<typeof sellerStockRefSchema>

/** An order holding at least one of the seller's lines. */
export const sellerFulfilmentRefSchema = z.strictObject({ orderId: entityIdSchema })
export type SellerFulfilmentRef = z.input<typeof sellerFulfilmentRefSchema>

/** A page of the seller's order parts (and of their orders), newest order first. */
export const sellerPageSchema = z.strictObject({
  /** The previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 20, at most 100. */
  limit: pageLimitSchema(20, 100),
})
export type SellerPageInput = z.input<typeof sellerPageSchema>

/** A page of the seller's order parts; `toShip: true` keeps those with units the seller still has to ship. */
export const sellerFulfilmentsQuerySchema = sellerPageSchema.extend({
  /**
   * Only parts of orders that take shipments with units of the seller's in no parcel yet (what is
   * waiting for the seller). Default false: every part.
   */
  toShip: z.boolean().default(false),
})
export type SellerFulfilmentsQuery = z.input<typeof sellerFulfilmentsQuerySchema>
