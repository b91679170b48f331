import { describe, expect, it } from 'vitest'
import {
  allowedTypos,
  buildTsquery,
  editDistance,
  MAX_QUERY_WORDS,
  pickCorrection,
  tokenizeQuery,
  type WordLookup,
} from './search-text.js'

const known: WordLookup = { stop: false, exact: true, completions: [], correction: null }
const unknown: WordLookup = { stop: false, exact: false, completions: [], correction: null }
const stop: WordLookup = { ...known, stop: true }

describe('tokenizeQuery', () => {
  it('lower-cases, splits on anything but letters and digits, and drops repeats', () => {
    expect(tokenizeQuery('  Wireless HEADPHONES, wi-fi! wireless ')).toEqual([
      { word: 'wireless', negated: false },
      { word: 'headphones', negated: false },
      { word: 'wi', negated: false },
      { word: 'fi', negated: false },
    ])
  })

  it('negates words written -word, but not a lone dash', () => {
    expect(tokenizeQuery('mug -plastic - cup')).toEqual([
      { word: 'mug', negated: false },
      { word: 'plastic', negated: true },
      { word: 'cup', negated: false },
    ])
  })

  it('keeps Unicode letters, marks and digits and strips tsquery syntax', () => {
    expect(tokenizeQuery("Café naïve 東京 ½ it's a&b|c:*!d (e)").map((w) => w.word)).toEqual([
      'café',
      'naïve',
      '東京',
      '1',
      '2',
      'it',
      's',
      'a',
      'b',
      'c',
      'd',
      'e',
    ])
    expect(tokenizeQuery("'); drop table x; --")).toEqual([
      { word: 'drop', negated: false },
      { word: 'table', negated: false },
      { word: 'x', negated: false },
    ])
  })

  it(`keeps at most ${MAX_QUERY_WORDS} words`, () => {
    expect(tokenizeQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))).toHaveLength(
      MAX_QUERY_WORDS,
    )
    expect(tokenizeQuery('   ')).toEqual([])
  })
})

describe('buildTsquery', () => {
  it('ANDs exact words and lets the last one match as a prefix', () => {
    const words = tokenizeQuery('blue cotton shirt')
    expect(buildTsquery(words, [known, known, known])).toEqual({
      tsquery: "'blue' & 'cotton' & 'shirt':*",
      corrected: null,
    })
  })

  it('matches a word that only starts indexed words as a prefix or its completions', () => {
    const words = tokenizeQuery('runn shoe')
    const lookups = [{ ...unknown, completions: ['running', 'runner'] }, known]
    expect(buildTsquery(words, lookups)?.tsquery).toBe("( 'runn':* | 'running' | 'runner' ) & 'shoe':*")
  })

  it('replaces a misspelt word by its correction and reports the corrected text', () => {
    const words = tokenizeQuery('wireless headphnes -wired')
    const lookups = [known, { ...unknown, correction: 'headphones' }, known]
    expect(buildTsquery(words, lookups)).toEqual({
      tsquery: "'wireless' & 'headphones' & !'wired'",
      corrected: 'wireless headphones -wired',
    })
  })

  it('keeps an unknown word so the query honestly finds nothing', () => {
    expect(buildTsquery(tokenizeQuery('zzqx'), [unknown])).toEqual({ tsquery: "'zzqx'", corrected: null })
  })

  it('never quotes vocabulary words that are not plain words', () => {
    const words = tokenizeQuery('abc xyzw')
    const lookups = [
      { ...unknown, completions: ["abc'd", 'abcde'] },
      { ...unknown, correction: "x'); --" },
    ]
    expect(buildTsquery(words, lookups)?.tsquery).toBe("( 'abc':* | 'abcde' ) & 'xyzw'")
  })

  it('drops stop words, and returns null when nothing is left to search for', () => {
    const words = tokenizeQuery('the lamp -and')
    expect(buildTsquery(words, [stop, known, stop])).toEqual({ tsquery: "'lamp':*", corrected: null })
    expect(buildTsquery(tokenizeQuery('the of'), [stop, stop])).toBeNull()
    expect(buildTsquery([], [])).toBeNull()
  })
})

describe('typo correction', () => {
  it('allows no typo below 4 characters, one below 7, two from 7', () => {
    expect([3, 4, 6, 7, 20].map(allowedTypos)).toEqual([0, 1, 1, 2, 2])
  })

  it('counts insertions, deletions, substitutions and swaps', () => {
    expect(editDistance('headphnes', 'headphones')).toBe(1)
    expect(editDistance('keybaord', 'keyboard')).toBe(1)
    expect(editDistance('speeker', 'speaker')).toBe(1)
    expect(editDistance('teapot', 'tea')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('café', 'cafe')).toBe(1)
    expect(editDistance('kitten', 'sitting', 1)).toBe(2)
  })

  it('picks the closest candidate within the allowed typos', () => {
    const candidates = [
      { term: 'tea', similarity: 0.375, docCount: 100 },
      { term: 'teapots', similarity: 0.6, docCount: 1 },
    ]
    expect(pickCorrection('teapot', candidates)).toBe('teapots')
    expect(pickCorrection('teapot', candidates.slice(0, 1))).toBeNull()
    expect(
      pickCorrection('headphnes', [
        { term: 'headphone', similarity: 0.43, docCount: 50 },
        { term: 'headphones', similarity: 0.61, docCount: 10 },
      ]),
    ).toBe('headphones')
    expect(pickCorrection('cta', [{ term: 'cat', similarity: 0.3, docCount: 9 }])).toBeNull()
  })
})
