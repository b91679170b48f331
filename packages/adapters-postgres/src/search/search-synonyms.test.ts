import type { SynonymSet } from '@souk/core'
import { describe, expect, it } from 'vitest'
import { expandWord, suggestTsquery } from './postgres-search-suggest.js'
import { matchSynonyms, synonymWords } from './search-synonyms.js'
import { buildTsquery, tokenizeQuery, type WordLookup } from './search-text.js'

const sets: SynonymSet[] = [
  { id: 'sofa', terms: ['sofa', 'couch'], root: null },
  { id: 'laptop', terms: ['ultrabook', 'notebook computer'], root: 'laptop' },
]
const known: WordLookup = { stop: false, exact: true, completions: [], correction: null }
const unknown: WordLookup = { stop: false, exact: false, completions: [], correction: 'soft' }

describe('matchSynonyms', () => {
  it('finds terms among the words, the longest first, one-way sets from the root only', () => {
    expect(matchSynonyms(['grey', 'sofa'], sets)).toEqual([{ start: 1, end: 2, alternatives: [['couch']] }])
    expect(matchSynonyms(['laptop'], sets)).toEqual([
      { start: 0, end: 1, alternatives: [['ultrabook'], ['notebook', 'computer']] },
    ])
    expect(matchSynonyms(['ultrabook'], sets)).toEqual([])
    const phrase: SynonymSet = { id: 'pc', terms: ['notebook computer', 'portable'], root: null }
    expect(matchSynonyms(['notebook', 'computer', 'bag'], [phrase])).toEqual([
      { start: 0, end: 2, alternatives: [['portable']] },
    ])
    expect(matchSynonyms(['notebook', null, 'computer'], [phrase])).toEqual([])
    expect(synonymWords(sets[1] as SynonymSet)).toEqual(['laptop', 'ultrabook', 'notebook', 'computer'])
  })
})

describe('buildTsquery with synonyms', () => {
  it('ORs a run with its alternatives and never corrects it', () => {
    const words = tokenizeQuery('grey sofa')
    const spans = matchSynonyms(
      words.map((w) => w.word),
      sets,
    )
    expect(buildTsquery(words, [known, unknown], spans)).toEqual({
      tsquery: `'grey' & ( 'sofa' | 'couch' )`,
      corrected: null,
    })
    const laptop = tokenizeQuery('laptop')
    expect(buildTsquery(laptop, [known], matchSynonyms(['laptop'], sets))?.tsquery).toBe(
      `( 'laptop':* | 'ultrabook' | ( 'notebook' <-> 'computer' ) )`,
    )
  })
})

describe('suggest helpers', () => {
  it('expands a typed word to its completions, then to near words by typos and frequency', () => {
    const candidates = [
      { term: 'headphones', docCount: 5, prefix: false },
      { term: 'hedge', docCount: 50, prefix: true },
      { term: 'heavy', docCount: 90, prefix: false },
    ]
    expect(expandWord('hedp', candidates)).toEqual(['hedge', 'headphones'])
    expect(expandWord('hed', candidates)).toEqual(['hedge'])
  })

  it('builds name-weighted prefix queries with synonym alternatives', () => {
    expect(suggestTsquery(['grey', 'sofa'], [['greyish'], []], sets, 'A')).toEqual({
      all: `( 'grey':*A | 'greyish':A ) & ( 'sofa':*A | ( 'couch':A ) )`,
      exact: `'grey':*A & 'sofa':*A`,
    })
    expect(suggestTsquery(['hea'], [['headphones']], [], '').all).toBe(`( 'hea':* | 'headphones' )`)
  })
})
