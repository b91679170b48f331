/**
 * A small seeded pseudo-random generator (sfc32, seeded through xmur3), so the demo catalog is the
 * same for the same seed on every machine and every Node version; `Math.random` cannot be seeded.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** `count` distinct items in random order (all of them when there are fewer). */
  sample<T>(items: readonly T[], count: number): T[]
  /** A skewed pick: low indexes are far more likely (popular items, busy categories). */
  pickSkewed<T>(items: readonly T[], skew?: number): T
}

function xmur3(text: string): () => number {
  let h = 1779033703 ^ text.length
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507)
    h = Math.imul(h ^ (h >>> 13), 3266489909)
    h ^= h >>> 16
    return h >>> 0
  }
}

/** Creates a generator from any seed text; the same text always yields the same sequence. */
export function createPrng(seed: string): Prng {
  const hash = xmur3(seed)
  let a = hash()
  let b = hash()
  let c = hash()
  let d = hash()
  const next = () => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  // Discard the first outputs: sfc32 mixes its state over the first few rounds.
  for (let i = 0; i < 15; i++) next()
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    sample(items, count) {
      const copy = [...items]
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
      }
      return copy.slice(0, count)
    },
    pickSkewed: (items, skew = 2) => items[Math.floor(next() ** skew * items.length)]!,
  }
}
