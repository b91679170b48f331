import { entityIdSchema, MAX_LINE_QUANTITY, MAX_ON_HAND, productPriceSchema, skuSchema } from '@souk/core'
import { z } from 'zod'

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
  })
  .refine((sale) => sale.startsAt === undefined || sale.endsAt > sale.startsAt, {
    path: ['endsAt'],
    message: 'endsAt must be after startsAt',
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
