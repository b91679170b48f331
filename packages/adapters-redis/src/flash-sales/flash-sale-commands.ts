import type { RedisClient } from '../redis-client.js'
import {
  ADMIT_LUA,
  CLAIM_LUA,
  CREATE_SALE_LUA,
  LEND_LUA,
  MARK_DRY_LUA,
  OPEN_SALE_LUA,
  RELEASE_LUA,
  UNCLAIM_LUA,
  WAKE_LUA,
} from './flash-sale-scripts.js'
import type { FlashSaleKeys } from './flash-sale-types.js'

/** The five keys of one slot that the customer scripts take, in KEYS order. */
export type SaleKeys = [sale: string, customers: string, tickets: string, claims: string, holders: string]

export const keyList = (k: FlashSaleKeys): SaleKeys => [k.sale, k.customers, k.tickets, k.claims, k.holders]

/** The gate's scripts as ioredis commands (EVALSHA, EVAL on NOSCRIPT); see flash-sale-scripts.ts. */
export interface FlashSaleCommands {
  soukFlashSaleCreate(
    ...args: [
      ...SaleKeys,
      sku: string,
      quantity: number,
      limit: number,
      startsAt: number,
      endsAt: number,
      expireAt: number,
      price: number | '',
      currency: string,
      slots: number,
      slot: number,
      share: number,
      mode: 'new' | 'replace',
      pendingTtlMs: number,
    ]
  ): Promise<number>
  soukFlashSaleOpen(sale: string): Promise<number>
  soukFlashSaleAdmit(
    ...args: [
      ...SaleKeys,
      slots: number,
      now: number,
      customerId: string,
      ticketId: string,
      ...credit: [] | [donor: number, lentTotal: number],
    ]
  ): Promise<unknown[]>
  soukFlashSaleLend(sale: string, slots: number, home: number): Promise<unknown[]>
  soukFlashSaleMarkDry(sale: string, slots: number, wakes: string, until: number): Promise<number>
  soukFlashSaleWake(sale: string): Promise<number>
  soukFlashSaleRelease(...args: [...SaleKeys, slots: number, customerId: string]): Promise<unknown[]>
  soukFlashSaleClaim(
    ...args: [
      ...SaleKeys,
      slots: number,
      now: number,
      customerId: string,
      claimKey: string,
      graceMs: number,
      ...ids: string[],
    ]
  ): Promise<unknown[]>
  soukFlashSaleUnclaim(
    ...args: [...SaleKeys, slots: number, customerId: string, claimKey: string, ...ids: string[]]
  ): Promise<unknown[]>
}

/** Registers the scripts on the client (idempotent per name) and returns it typed with them. */
export function defineFlashSaleCommands(redis: RedisClient): RedisClient & FlashSaleCommands {
  redis.defineCommand('soukFlashSaleCreate', { numberOfKeys: 5, lua: CREATE_SALE_LUA })
  redis.defineCommand('soukFlashSaleOpen', { numberOfKeys: 1, lua: OPEN_SALE_LUA })
  redis.defineCommand('soukFlashSaleAdmit', { numberOfKeys: 5, lua: ADMIT_LUA })
  redis.defineCommand('soukFlashSaleLend', { numberOfKeys: 1, lua: LEND_LUA })
  redis.defineCommand('soukFlashSaleMarkDry', { numberOfKeys: 1, lua: MARK_DRY_LUA })
  redis.defineCommand('soukFlashSaleWake', { numberOfKeys: 1, lua: WAKE_LUA })
  redis.defineCommand('soukFlashSaleRelease', { numberOfKeys: 5, lua: RELEASE_LUA })
  redis.defineCommand('soukFlashSaleClaim', { numberOfKeys: 5, lua: CLAIM_LUA })
  redis.defineCommand('soukFlashSaleUnclaim', { numberOfKeys: 5, lua: UNCLAIM_LUA })
  return redis as RedisClient & FlashSaleCommands
}
