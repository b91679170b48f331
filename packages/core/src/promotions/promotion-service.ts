import type { Clock } from '../clock/clock.js'
import { NotFoundError } from '../errors/error-classes.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { money } from '../money/money.js'
import { afterCursor, type CursorPage, toCursorPage } from '../pagination/cursor-page.js'
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
  type PromotionCodeRef,
  type PromotionRef,
  promotionCodeRefSchema,
  promotionRefSchema,
  type UpdatePromotionInput,
  updatePromotionSchema,
} from './promotion-schemas.js'
import type { Promotion, PromotionDiscount } from './promotion-types.js'

export interface PromotionServiceDeps {
  readonly store: PromotionStore
  readonly clock: Clock
  readonly ids: IdGenerator
}

/** A page of promotions; pass `nextCursor` back as `cursor` for the following one. */
export type PromotionPage = CursorPage<Promotion>

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
  get(input: PromotionRef): Promise<Promotion>
  /** Case-insensitive. Throws `PromotionError` `promotion.invalid` (reason `unknown_code`) when unknown. */
  getByCode(input: PromotionCodeRef): Promise<Promotion>
  /**
   * Changes a promotion: code (still unique, else `ConflictError` details `{ field: 'code' }`),
   * percent or amount, minimum subtotal, validity window and usage limits; the merged promotion is
   * validated like `create`. `kind` and `timesUsed` are not editable. A usage limit below the uses
   * already counted is a `ConflictError` (details `{ field: 'usageLimit', timesUsed }`), checked
   * atomically against concurrent redemptions. A lower per-customer limit applies to later
   * redemptions only. Carts holding the old code lose it at checkout (`promotion.invalid`).
   * Throws `NotFoundError` for an unknown id.
   */
  update(input: UpdatePromotionInput): Promise<Promotion>
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

    async update(input) {
      const { promotionId, ...patch } = parseInput(updatePromotionSchema, input, 'promotion update')
      const current = await store.get(promotionId)
      if (!current) throw new NotFoundError('promotion', promotionId)
      const { id: _id, timesUsed: _used, createdAt: _created, ...fields } = current
      const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))
      const merged = parseInput(createPromotionSchema, { ...fields, ...given }, 'promotion')
      const minSubtotal = merged.minSubtotal && money(merged.minSubtotal.amount, merged.minSubtotal.currency)
      const base = { ...merged, id: promotionId, minSubtotal }
      const updated = await store.update(
        merged.kind === 'fixed'
          ? { ...base, kind: 'fixed', amount: money(merged.amount.amount, merged.amount.currency) }
          : merged.kind === 'percentage'
            ? { ...base, kind: 'percentage', percent: merged.percent }
            : { ...base, kind: 'free_shipping' },
      )
      if (!updated) throw new NotFoundError('promotion', promotionId)
      return updated
    },

    async get(input) {
      const valid = parseInput(promotionRefSchema, input, 'promotion').promotionId
      const promotion = await store.get(valid)
      if (!promotion) throw new NotFoundError('promotion', valid)
      return promotion
    },

    async getByCode(input) {
      return byCode(parseInput(promotionCodeRefSchema, input, 'promotion code').code)
    },

    async list(input = {}) {
      const { cursor, limit } = parseInput(listPromotionsSchema, input, 'promotion query')
      return toCursorPage(await store.list({ after: afterCursor(cursor, 'promotions'), limit }))
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
