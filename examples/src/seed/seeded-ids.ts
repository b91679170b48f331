import type { Prng } from './prng.js'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/**
 * Ids shaped like Souk's own (`prefix_<ulid>`: 48-bit time, then 80 random bits), but with the
 * random part drawn from the seeded generator and the time from the entity's own date, so a seed
 * always produces the same ids and they still sort by creation time.
 */
export function seededId(prefix: string, at: Date, prng: Prng): string {
  let time = at.getTime()
  let head = ''
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32] + head
    time = Math.floor(time / 32)
  }
  let tail = ''
  for (let i = 0; i < 16; i++) tail += CROCKFORD[Math.floor(prng.next() * 32)]
  return `${prefix}_${head}${tail}`
}
