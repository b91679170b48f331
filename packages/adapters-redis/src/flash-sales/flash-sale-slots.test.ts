import { randomInt } from 'node:crypto'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, it } from 'vitest'
import {
  CLUSTER_HASH_SLOTS,
  homeSlot,
  MAX_FLASH_SALE_SLOTS,
  saleSlotTags,
  splitQuantity,
  tagHashSlot,
} from './flash-sale-slots.js'

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'
const randomId = () =>
  Array.from({ length: randomInt(1, 101) }, () => ID_CHARS[randomInt(ID_CHARS.length)]).join('')

/** Which master serves a hash slot when `redis-cli --cluster create` splits the slots over `masters`. */
function redisCliMaster(hashSlot: number, masters: number): number {
  // redis-cli: slotsPerNode = 16384 / masters; master i gets [round(i * per), round((i + 1) * per) - 1].
  const per = CLUSTER_HASH_SLOTS / masters
  for (let i = 0; i < masters; i++) {
    const first = i === 0 ? 0 : Math.round(i * per)
    const last = i === masters - 1 ? CLUSTER_HASH_SLOTS - 1 : Math.round((i + 1) * per) - 1
    if (hashSlot >= first && hashSlot <= last) return i
  }
  throw new Error(`hash slot ${hashSlot} out of range`)
}

describe('flash sale slot layout', () => {
  it('hashes tags exactly as Redis Cluster does (ioredis cluster-key-slot)', () => {
    for (const tag of ['sale:a', 'sale:drop-1:2:7', 'é€', ...Array.from({ length: 300 }, randomId)]) {
      expect(tagHashSlot(tag), tag).toBe(calculateSlot(`x{${tag}}y`))
    }
  })

  it("slot 0 keeps the sale's own tag; a one-slot sale has no other", () => {
    expect(saleSlotTags('drop-1', 1)).toEqual(['sale:drop-1'])
    expect(saleSlotTags('drop-1', 3)[0]).toBe('sale:drop-1')
  })

  it('puts the N slots of any sale in N different ranges, one per master of an evenly split cluster', () => {
    for (const slots of [2, 3, 4, 6, 8, 16, MAX_FLASH_SALE_SLOTS]) {
      for (const id of ['a', 'drop-1', ...Array.from({ length: slots > 16 ? 5 : 60 }, randomId)]) {
        const tags = saleSlotTags(id, slots)
        expect(tags).toHaveLength(slots)
        expect(new Set(tags).size).toBe(slots)
        const ranges = tags.map((tag) => Math.floor((tagHashSlot(tag) * slots) / CLUSTER_HASH_SLOTS))
        expect(new Set(ranges).size, `${id} over ${slots}`).toBe(slots)
        // With as many masters as slots, as redis-cli lays them out, every master holds one slot.
        const masters = tags.map((tag) => redisCliMaster(tagHashSlot(tag), slots))
        expect(new Set(masters).size, `${id} over ${slots} masters`).toBe(slots)
        // Deterministic: another process computes the same tags.
        expect(saleSlotTags(id, slots)).toEqual(tags)
      }
    }
  })

  it('with twice as many slots as masters, each master holds two', () => {
    for (const id of Array.from({ length: 50 }, randomId)) {
      const masters = saleSlotTags(id, 6).map((tag) => redisCliMaster(tagHashSlot(tag), 3))
      expect(masters.filter((m) => m === 0)).toHaveLength(2)
      expect(masters.filter((m) => m === 1)).toHaveLength(2)
      expect(masters.filter((m) => m === 2)).toHaveLength(2)
    }
  })

  it('routes every customer to one home slot, evenly', () => {
    expect(homeSlot('anyone', 1)).toBe(0)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 40_000; i++) counts[homeSlot(`cus_${i}`, 4)]!++
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500)
    expect(homeSlot('cus_1', 4)).toBe(homeSlot('cus_1', 4))
    expect(homeSlot('ünïcode ✓', 7)).toBeLessThan(7)
  })

  it('splits a quantity as evenly as integers allow', () => {
    expect(splitQuantity(100, 3)).toEqual([34, 33, 33])
    expect(splitQuantity(3, 3)).toEqual([1, 1, 1])
    expect(splitQuantity(7, 1)).toEqual([7])
    for (let i = 0; i < 100; i++) {
      const slots = randomInt(1, 129)
      const quantity = randomInt(slots, 1_000_000)
      const shares = splitQuantity(quantity, slots)
      expect(shares.reduce((a, b) => a + b, 0)).toBe(quantity)
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1)
    }
  })
})
