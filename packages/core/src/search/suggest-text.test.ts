import { describe, expect, it } from 'vitest'
import { allowedPrefixTypos, normalizeSynonymTerm, prefixEditDistance, textWords } from './suggest-text.js'

describe('suggest text', () => {
  it('splits text into lower-case words', () => {
    expect(textWords('  Noise-Cancelling  HEADPHONES!')).toEqual(['noise', 'cancelling', 'headphones'])
    expect(textWords('')).toEqual([])
    expect(normalizeSynonymTerm(' T-Shirt ')).toBe('t shirt')
  })

  it('measures typed text against the start of a word', () => {
    expect(prefixEditDistance('head', 'headphones', 1)).toBe(0)
    expect(prefixEditDistance('hedp', 'headphones', 1)).toBe(1)
    expect(prefixEditDistance('haedph', 'headphones', 1)).toBe(1)
    expect(prefixEditDistance('headphnes', 'headphones', 2)).toBe(1)
    expect(prefixEditDistance('hxxdp', 'headphones', 1)).toBe(2)
    expect(prefixEditDistance('jeadph', 'headphones', 2)).toBe(3)
    expect(prefixEditDistance('sofa', 'so', 2)).toBe(2)
    expect(prefixEditDistance('', 'anything', 0)).toBe(0)
  })

  it('allows typos by length', () => {
    expect([3, 4, 6, 7].map(allowedPrefixTypos)).toEqual([0, 1, 1, 2])
  })
})
