import { z } from 'zod'
import { entityIdSchema, quantitySchema, skuSchema } from '../inventory/inventory-schemas.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'
import { nonNegativeMoneySchema } from '../pricing/amount-schemas.js'
import { text } from '../validation/text-schema.js'

/** Most countries one zone may list. */
export const MAX_ZONE_COUNTRIES = 300
/** Most regions one zone may list. */
export const MAX_ZONE_REGIONS = 1000
/** Most brackets in one weight table. */
export const MAX_WEIGHT_BRACKETS = 100
/** Most items one shipping quote may price. */
export const MAX_QUOTE_ITEMS = 500
/** Heaviest unit a quote accepts: 10 t, so weights summed over a quote stay exact integers. */
export const MAX_ITEM_WEIGHT_GRAMS = 10_000_000
/** Longest delivery estimate: a year of business days. */
export const MAX_DELIVERY_DAYS = 365

/** ISO 3166-1 alpha-2, upper-cased on the way in (`de` → `DE`). */
export const countryCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code such as "DE"')

/** An ISO 3166-2 subdivision without its country (`CA`, `NY`, `BY`), upper-cased on the way in. */
export const regionCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{1,3}$/, 'region must be an ISO 3166-2 subdivision code without the country, e.g. "CA"')

/**
 * Where an order ships. A plain (non-strict) object on purpose: an `Address` from the address book
 * or a cart fits as it is, and only the fields below are kept.
 */
export const shippingDestinationSchema = z.object({
  country: countryCodeSchema,
  region: regionCodeSchema.optional(),
  postalCode: text({ min: 1, max: 20, label: 'postal code' }).optional(),
})
export type ShippingDestinationInput = z.input<typeof shippingDestinationSchema>

const zoneRegionSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'regions are ISO 3166-2 codes with their country, e.g. "US-CA"')

export const createShippingZoneSchema = z
  .strictObject({
    name: text({ min: 1, max: 200, label: 'name' }),
    countries: z
      .array(z.union([z.literal('*'), countryCodeSchema]))
      .min(1, 'a zone needs at least one country')
      .max(MAX_ZONE_COUNTRIES),
    regions: z.array(zoneRegionSchema).max(MAX_ZONE_REGIONS).default([]),
  })
  .superRefine((zone, ctx) => {
    if (new Set(zone.countries).size !== zone.countries.length) {
      ctx.addIssue({ code: 'custom', path: ['countries'], message: 'countries must not repeat' })
    }
    if (new Set(zone.regions).size !== zone.regions.length) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: 'regions must not repeat' })
    }
    zone.regions.forEach((region, index) => {
      if (!zone.countries.includes(region.slice(0, 2))) {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', index],
          message: `region ${region} belongs to a country the zone does not list`,
        })
      }
    })
  })
export type CreateShippingZoneInput = z.input<typeof createShippingZoneSchema>

const estimatedDaysSchema = z
  .strictObject({
    min: z.number().int().min(0).max(MAX_DELIVERY_DAYS),
    max: z.number().int().min(0).max(MAX_DELIVERY_DAYS),
  })
  .refine((days) => days.max >= days.min, { error: 'max must not be below min', path: ['max'] })

const methodBase = {
  zoneId: entityIdSchema,
  name: text({ min: 1, max: 200, label: 'name' }),
  /** Default null. */
  carrier: text({ min: 1, max: 100, label: 'carrier' }).nullable().default(null),
  estimatedDays: estimatedDaysSchema,
  /** Default true. */
  active: z.boolean().default(true),
}

const weightBracketSchema = z.strictObject({
  upToGrams: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  price: nonNegativeMoneySchema,
})

export const createShippingMethodSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ ...methodBase, kind: z.literal('flat'), price: nonNegativeMoneySchema }),
    z.strictObject({
      ...methodBase,
      kind: z.literal('free_over'),
      price: nonNegativeMoneySchema,
      threshold: nonNegativeMoneySchema,
    }),
    z.strictObject({
      ...methodBase,
      kind: z.literal('weight_table'),
      brackets: z
        .array(weightBracketSchema)
        .min(1, 'a weight table needs at least one bracket')
        .max(MAX_WEIGHT_BRACKETS),
    }),
  ])
  .superRefine((method, ctx) => {
    const prices =
      method.kind === 'weight_table'
        ? method.brackets.map((b, i) => ({ money: b.price, path: ['brackets', i, 'price', 'currency'] }))
        : [{ money: method.price, path: ['price', 'currency'] }]
    if (method.kind === 'free_over') {
      prices.push({ money: method.threshold, path: ['threshold', 'currency'] })
    }
    const currency = prices[0]?.money.currency
    for (const { money, path } of prices) {
      if (money.currency !== currency) {
        ctx.addIssue({ code: 'custom', path, message: `every amount must be in ${currency}` })
      }
    }
    if (method.kind === 'weight_table') {
      method.brackets.forEach((bracket, i) => {
        const previous = method.brackets[i - 1]
        if (previous && bracket.upToGrams <= previous.upToGrams) {
          ctx.addIssue({
            code: 'custom',
            path: ['brackets', i, 'upToGrams'],
            message: 'brackets must be in strictly ascending upToGrams',
          })
        }
      })
    }
  })
export type CreateShippingMethodInput = z.input<typeof createShippingMethodSchema>

const page = {
  /** The previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 50, at most 200. */
  limit: pageLimitSchema(50, 200),
}

export const listShippingZonesSchema = z.strictObject(page)
export type ListShippingZonesInput = z.input<typeof listShippingZonesSchema>

export const listShippingMethodsSchema = z.strictObject({
  zoneId: entityIdSchema.optional(),
  /** Default false: only active methods. */
  includeInactive: z.boolean().default(false),
  ...page,
})
export type ListShippingMethodsInput = z.input<typeof listShippingMethodsSchema>

/** One zone, for `commerce.shipping.getZone`. */
export const shippingZoneRefSchema = z.strictObject({ zoneId: entityIdSchema })
export type ShippingZoneRef = z.input<typeof shippingZoneRefSchema>

/** One method, for `commerce.shipping.getMethod`. */
export const shippingMethodRefSchema = z.strictObject({ methodId: entityIdSchema })
export type ShippingMethodRef = z.input<typeof shippingMethodRefSchema>

export const shippingQuoteSchema = z.strictObject({
  destination: shippingDestinationSchema,
  items: z
    .array(
      z.strictObject({
        sku: skuSchema,
        quantity: quantitySchema,
        weightGrams: z.number().int().min(0).max(MAX_ITEM_WEIGHT_GRAMS),
      }),
    )
    .max(MAX_QUOTE_ITEMS),
  subtotal: nonNegativeMoneySchema,
})
export type ShippingQuoteInput = z.input<typeof shippingQuoteSchema>

export const shippingMethodQuoteSchema = shippingQuoteSchema.extend({
  methodId: text({ min: 1, max: 200, label: 'methodId' }),
})
export type ShippingMethodQuoteInput = z.input<typeof shippingMethodQuoteSchema>

/**
 * `commerce.shipping.updateZone`: the zone and the fields to change (at least one). The result is
 * checked as a whole like `createZone` (e.g. every region's country must stay listed).
 */
export const updateShippingZoneSchema = z
  .strictObject({
    zoneId: entityIdSchema,
    name: text({ min: 1, max: 200, label: 'name' }).optional(),
    countries: z
      .array(z.union([z.literal('*'), countryCodeSchema]))
      .min(1, 'a zone needs at least one country')
      .max(MAX_ZONE_COUNTRIES)
      .optional(),
    regions: z.array(zoneRegionSchema).max(MAX_ZONE_REGIONS).optional(),
  })
  .refine(
    ({ zoneId: _zoneId, ...patch }) => Object.values(patch).some((v) => v !== undefined),
    'nothing to update',
  )
export type UpdateShippingZoneInput = z.input<typeof updateShippingZoneSchema>

/**
 * `commerce.shipping.updateMethod`: the method and the fields to change (at least one). The fields
 * are those of `createMethod` (`zoneId` moves it to another zone, which must exist); the merged
 * method is checked as a whole like `createMethod`. A new `kind` takes its own price fields and
 * drops the old kind's.
 */
export const updateShippingMethodSchema = z
  .strictObject({
    methodId: entityIdSchema,
    zoneId: methodBase.zoneId.optional(),
    name: methodBase.name.optional(),
    carrier: text({ min: 1, max: 100, label: 'carrier' }).nullable().optional(),
    estimatedDays: estimatedDaysSchema.optional(),
    active: z.boolean().optional(),
    kind: z.enum(['flat', 'free_over', 'weight_table']).optional(),
    price: nonNegativeMoneySchema.optional(),
    threshold: nonNegativeMoneySchema.optional(),
    brackets: z.array(weightBracketSchema).min(1).max(MAX_WEIGHT_BRACKETS).optional(),
  })
  .refine(
    ({ methodId: _methodId, ...patch }) => Object.values(patch).some((v) => v !== undefined),
    'nothing to update',
  )
export type UpdateShippingMethodInput = z.input<typeof updateShippingMethodSchema>
