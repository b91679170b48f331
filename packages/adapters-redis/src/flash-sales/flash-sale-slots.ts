/**
 * How a sale with `slots: N` is laid out over a Redis Cluster, as pure functions every process
 * computes the same way (no directory to read on the hot path).
 *
 * - Slot 0 carries the sale's own hash tag `{sale:<id>}` (the only slot of a one-slot sale, so
 *   those keep the keys they always had). Slot k ≥ 1 carries `{sale:<id>:<k>:<s>}`, where `s` is
 *   the smallest number that puts the tag's Cluster hash slot in the middle of a range of its own:
 *   the 16,384 hash slots are cut into N equal ranges and each sale slot gets a different range.
 *   `redis-cli --cluster create` (and `--cluster rebalance`) give each of M masters one equal,
 *   contiguous range, so with N = M (or a multiple of it) every master holds N / M sale slots.
 * - A customer's home slot is FNV-1a-32 of the customer id's UTF-8 bytes, modulo N. Every
 *   admission of that customer happens in the home slot, so the per-customer limit is checked by
 *   one atomic script, as for a one-slot sale.
 */

/** The number of hash slots of a Redis Cluster. */
export const CLUSTER_HASH_SLOTS = 16_384

/** Most slots one sale may have. */
export const MAX_FLASH_SALE_SLOTS = 128

// CRC16-CCITT (XMODEM), the function Redis Cluster hashes keys with.
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[i] = crc
  }
  return table
})()

/** Redis Cluster's hash slot of a hash tag's text (what is between the braces). */
export function tagHashSlot(tag: string): number {
  let crc = 0
  for (const byte of Buffer.from(tag, 'utf8')) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0)
  }
  return crc % CLUSTER_HASH_SLOTS
}

/** Which of `slots` equal ranges of the Cluster's hash slots `hashSlot` lies in. */
const rangeOf = (hashSlot: number, slots: number) => Math.floor((hashSlot * slots) / CLUSTER_HASH_SLOTS)

/**
 * The hash-tag text of each of a sale's `slots` slots (without braces), index = slot. Slot 0 is
 * `sale:<id>`; the others each land in the middle half of a Cluster hash-slot range no other slot
 * of the sale uses, so a boundary between two masters' ranges that is off by a slot or two (as
 * `redis-cli` rounds) still separates them.
 */
export function saleSlotTags(saleId: string, slots: number): string[] {
  const first = `sale:${saleId}`
  if (slots === 1) return [first]
  const taken = rangeOf(tagHashSlot(first), slots)
  const targets = Array.from({ length: slots }, (_, range) => range).filter((range) => range !== taken)
  const tags = [first]
  targets.forEach((range, i) => {
    const from = (range * CLUSTER_HASH_SLOTS) / slots
    const width = CLUSTER_HASH_SLOTS / slots
    const low = Math.ceil(from + width / 4)
    const high = Math.floor(from + (3 * width) / 4)
    for (let s = 0; ; s++) {
      const tag = `sale:${saleId}:${i + 1}:${s}`
      const hashSlot = tagHashSlot(tag)
      if (hashSlot >= low && hashSlot < high) {
        tags.push(tag)
        return
      }
    }
  })
  return tags
}

/** The customer's home slot: FNV-1a-32 of the id's UTF-8 bytes, modulo `slots`. */
export function homeSlot(customerId: string, slots: number): number {
  if (slots === 1) return 0
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(customerId, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % slots
}

/** How `quantity` units start out over `slots` slots: as even as integers allow, lower slots first. */
export function splitQuantity(quantity: number, slots: number): number[] {
  const base = Math.floor(quantity / slots)
  const extra = quantity % slots
  return Array.from({ length: slots }, (_, k) => base + (k < extra ? 1 : 0))
}
