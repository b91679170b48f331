import { entityIdSchema, MAX_LINE_QUANTITY, MAX_ON_HAND, productPriceSchema, skuSchema } from '@souk/core'
import { z } from 'zod'
import { MAX_FLASH_SALE_SLOTS } from './flash-sale-slots.js'

/** Sale ids: letters, digits, `_` and `-` (never braces, which would break the key's hash tag). */
export const flashSaleIdSchema = entityIdSchema

/** Customer ids come from the host's auth: any printable text up to 200 characters. */
export const flashSaleCustomerIdSchema = z
  .string()
  .min(1, 'customerId must not be empty')
  .max(200, 'customerId must be at most 200 characters')
  .refine((id) => !/\p{Cc}/u.test(id), 'customerId must not contain control characters')

export const createFlashSaleSchema = z
  .strictObject({
    saleId: flashSaleIdSchema,
    sku: skuSchema,
    /** Units the gate admits in total. */
    quantity: z.number().int().min(1).max(MAX_ON_HAND),
    /** Admissions one customer may hold at once. Default 1. */
    perCustomerLimit: z.number().int().min(1).max(MAX_LINE_QUANTITY).default(1),
    /** Default: now. */
    startsAt: z.coerce.date().optional(),
    endsAt: z.coerce.date(),
    /**
     * The sale price an admitted buyer pays at checkout (`placeOrder({ flashSaleTickets })`), in
     * the currency of the carts that buy it. Default none: the gate only limits who may buy.
     */
    price: productPriceSchema.optional(),
    /**
     * How many Redis slots the sale's units are split over, each under a hash tag of its own so a
     * Redis Cluster spreads them over its masters (set it to the number of masters, or a multiple).
     * Default 1: the whole sale on one node, as before slots existed. At most 128, and at most
     * `quantity`.
     */
    slots: z.number().int().min(1).max(MAX_FLASH_SALE_SLOTS).default(1),
  })
  .refine((sale) => sale.startsAt === undefined || sale.endsAt > sale.startsAt, {
    path: ['endsAt'],
    message: 'endsAt must be after startsAt',
  })
  .refine((sale) => sale.slots <= sale.quantity, {
    path: ['slots'],
    message: 'slots must not exceed quantity',
  })
export type CreateFlashSaleInput = z.input<typeof createFlashSaleSchema>

/** One sale, for `remaining`, `stats` and `keysOf`. */
export const flashSaleRefSchema = z.strictObject({ saleId: flashSaleIdSchema })
export type FlashSaleRef = z.input<typeof flashSaleRefSchema>

export const flashSaleCustomerSchema = z.strictObject({
  saleId: flashSaleIdSchema,
  customerId: flashSaleCustomerIdSchema,
})
/** Input of `admit`, `release` and `held`. */
export type FlashSaleCustomerInput = z.input<typeof flashSaleCustomerSchema>

/** What checkout hands `claimTickets` and `unclaimTickets` (see `FlashSalePrices` in core). */
export const flashSaleClaimSchema = z.strictObject({
  tickets: z
    .array(z.strictObject({ saleId: flashSaleIdSchema, ticketId: entityIdSchema }))
    .min(1)
    .max(50),
  customerId: flashSaleCustomerIdSchema,
  claimKey: z.string().min(1).max(300),
})

/** Input of `slotKeysOf`: a sale and its slot count. */
export const flashSaleSlotsRefSchema = z.strictObject({
  saleId: flashSaleIdSchema,
  slots: z.number().int().min(1).max(MAX_FLASH_SALE_SLOTS),
})
export type FlashSaleSlotsRef = z.input<typeof flashSaleSlotsRefSchema>
