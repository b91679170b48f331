import { randomFillSync } from 'node:crypto'

/**
 * Makes prefixed, time-sortable ids: `<prefix>_<ulid>`, e.g. `res_01JD3V5Q0W9X8Y7Z6A5B4C3D2E`.
 * Injected through `createCommerce({ ids })` so tests can make deterministic ids.
 */
export type IdGenerator = (prefix: string) => string

const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const TIME_CHARS = 10
const RANDOM_CHARS = 16

function encodeTime(ms: number): string {
  let out = ''
  let rest = ms
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ENCODING[rest % 32] + out
    rest = Math.floor(rest / 32)
  }
  return out
}

/**
 * ULID-based generator. Ids made in the same millisecond by one generator stay strictly increasing
 * (the random part is incremented), so ids sort by creation order within a process and by time
 * across processes.
 * @param now the time source; defaults to `Date.now`.
 */
export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  let lastTime = -1
  const random = new Uint8Array(RANDOM_CHARS)

  function freshRandom(): void {
    randomFillSync(random)
    for (let i = 0; i < RANDOM_CHARS; i++) random[i] = random[i]! % 32
  }

  function increment(): void {
    for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
      if (random[i]! < 31) {
        random[i]! += 1
        return
      }
      random[i] = 0
    }
    // 80 bits exhausted within one millisecond: practically impossible; start a fresh sequence.
    freshRandom()
  }

  return (prefix) => {
    const time = now()
    if (time > lastTime) {
      lastTime = time
      freshRandom()
    } else {
      increment()
    }
    let tail = ''
    for (let i = 0; i < RANDOM_CHARS; i++) tail += ENCODING[random[i]!]
    return `${prefix}_${encodeTime(lastTime)}${tail}`
  }
}

/** Matches ids made by {@link createIdGenerator} for one prefix. */
export function idPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`)
}
