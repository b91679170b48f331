import type { Clock } from '../clock/clock.js'
import { NotFoundError } from '../errors/error-classes.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { money } from '../money/money.js'
import type { PromotionStore } from '../ports/promotion-store.js'
import { parseInput } from '../validation/parse-input.js'
import { evaluatePromotion } from './evaluate-promotion.js'
import { PromotionError } from './promotion-error.js'
import {
  type CreatePromotionInput,
  createPromotionSchema,
  type EvaluatePromotionInput,
  evaluatePromotionSchema,
  type ListPromotionsInput,
  listPromotionsSchema,
  promotionCodeSchema,
} from './promotion-schemas.js'
import type { Promotion, PromotionDiscount } from './promotion-types.js'

export interface PromotionServiceDeps {
  readonly store: PromotionStore
  readonly clock: Clock
  readonly ids: IdGenerator
}

export interface PromotionPage {
  readonly items: readonly Promotion[]
  /** Pass as `after` for the next page; null on the last page. */
  readonly nextCursor: string | null
}

/**
 * `commerce.promotions`: promo codes for admins, and a check of a code against a cart. Checkout
 * redeems codes through the `PromotionStore` inside its order transaction.
 */
export interface PromotionService {
  /**
   * Creates a promotion: `percentage` (`percent`), `fixed` (`amount`) or `free_shipping`, with an
   * optional minimum subtotal, validity window and usage limits. The code is stored upper case.
   * Throws `ConflictError` when the code is taken.
   */
  create(input: CreatePromotionInput): Promise<Promotion>
  /** Throws `NotFoundError` for an unknown id. */
  get(id: string): Promise<Promotion>
  /** Case-insensitive. Throws `PromotionError` `promotion.invalid` (reason `unknown_code`) when unknown. */
  getByCode(code: string): Promise<Promotion>
  /** Promotions in creation order, `limit` (default 50) per page. */
  list(input?: ListPromotionsInput): Promise<PromotionPage>
  /**
   * Whether the code applies to a cart now, and what it takes off (see `evaluatePromotion`).
   * For a customer, their earlier redemptions count against the per-customer limit. Changes
   * nothing; throws `PromotionError` with the reason when the code does not apply.
   */
  evaluate(input: EvaluatePromotionInput): Promise<PromotionDiscount>
}

export function createPromotionService(deps: PromotionServiceDeps): PromotionService {
  const { store, clock, ids } = deps

  async function byCode(code: string): Promise<Promotion> {
    const promotion = await store.getByCode(code)
    if (!promotion) {
      throw new PromotionError('promotion.invalid', `Unknown promotion code ${code}`, {
        promotionCode: code,
        reason: 'unknown_code',
      })
    }
    return promotion
  }

  return {
    async create(input) {
      const parsed = parseInput(createPromotionSchema, input, 'promotion')
      const base = {
        id: ids('promo'),
        code: parsed.code,
        minSubtotal: parsed.minSubtotal && money(parsed.minSubtotal.amount, parsed.minSubtotal.currency),
        startsAt: parsed.startsAt,
        endsAt: parsed.endsAt,
        usageLimit: parsed.usageLimit,
        perCustomerLimit: parsed.perCustomerLimit,
        timesUsed: 0,
        createdAt: clock.now(),
      }
      let promotion: Promotion
      switch (parsed.kind) {
        case 'percentage':
          promotion = { ...base, kind: 'percentage', percent: parsed.percent }
          break
        case 'fixed':
          promotion = { ...base, kind: 'fixed', amount: money(parsed.amount.amount, parsed.amount.currency) }
          break
        case 'free_shipping':
          promotion = { ...base, kind: 'free_shipping' }
          break
        default:
          return parsed satisfies never
      }
      return store.create(promotion)
    },

    async get(id) {
      const valid = parseInput(entityIdSchema, id, 'promotion id')
      const promotion = await store.get(valid)
      if (!promotion) throw new NotFoundError('promotion', valid)
      return promotion
    },

    async getByCode(code) {
      return byCode(parseInput(promotionCodeSchema, code, 'promotion code'))
    },

    async list(input = {}) {
      const { limit, after } = parseInput(listPromotionsSchema, input, 'promotion query')
      // One extra row tells whether another page follows without a count query.
      const rows = await store.list({ limit: limit + 1, ...(after === undefined ? {} : { after }) })
      const items = rows.slice(0, limit)
      return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null }
    },

    async evaluate(input) {
      const { code, ...context } = parseInput(evaluatePromotionSchema, input, 'promotion evaluation')
      const promotion = await byCode(code)
      const customerRedemptions =
        promotion.perCustomerLimit !== null && context.customerId !== null
          ? await store.countRedemptions({ promotionId: promotion.id, customerId: context.customerId })
          : undefined
      return evaluatePromotion(promotion, {
        ...context,
        ...(customerRedemptions === undefined ? {} : { customerRedemptions }),
        now: clock.now(),
      })
    },
  }
}
