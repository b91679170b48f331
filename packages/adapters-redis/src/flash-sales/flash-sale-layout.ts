import { hashTag } from '../redis-keys.js'
import { saleSlotTags } from './flash-sale-slots.js'
import type { FlashSaleKeys } from './flash-sale-types.js'

/** Entries each of the layout's two caches holds before it starts over. */
const CACHE_LIMIT = 10_000

/**
 * One gate's view of where sales live: the keys of each slot, and the slot count of each sale
 * with more than one (learned from the scripts' `{'slots', n}` replies; never read on the hot
 * path). A process that has not seen a sale assumes one slot, which every script verifies, so the
 * cache can only cost a round trip, never a wrong answer.
 */
export interface SaleLayout {
  /** The keys of each of `slots` slots of the sale, index = slot. */
  keys(saleId: string, slots: number): readonly FlashSaleKeys[]
  /** The sale's slot count as far as this process knows (1 when it has not seen it). */
  slotsOf(saleId: string): number
  learn(saleId: string, slots: number): void
  forget(saleId: string): void
}

export function createSaleLayout(prefix: string): SaleLayout {
  const counts = new Map<string, number>()
  const keyCache = new Map<string, readonly FlashSaleKeys[]>()

  const keysOfTag = (tag: string): FlashSaleKeys => {
    const sale = `${prefix}:flash:${hashTag(tag)}`
    return {
      sale,
      customers: `${sale}:customers`,
      tickets: `${sale}:tickets`,
      claims: `${sale}:claims`,
      holders: `${sale}:holders`,
    }
  }

  return {
    keys(saleId, slots) {
      if (slots === 1) return [keysOfTag(`sale:${saleId}`)]
      const cacheKey = `${slots}/${saleId}`
      let keys = keyCache.get(cacheKey)
      if (!keys) {
        keys = saleSlotTags(saleId, slots).map(keysOfTag)
        if (keyCache.size >= CACHE_LIMIT) keyCache.clear()
        keyCache.set(cacheKey, keys)
      }
      return keys
    },
    slotsOf: (saleId) => counts.get(saleId) ?? 1,
    learn(saleId, slots) {
      if (slots === 1) {
        counts.delete(saleId)
        return
      }
      if (counts.size >= CACHE_LIMIT) counts.clear()
      counts.set(saleId, slots)
    },
    forget(saleId) {
      counts.delete(saleId)
    },
  }
}
