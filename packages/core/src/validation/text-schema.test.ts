import { describe, expect, it } from 'vitest'
import { addressSchema } from '../customers/address-schemas.js'
import { emailSchema } from './email-schema.js'
import { DEFAULT_MULTILINE_TEXT_MAX, DEFAULT_TEXT_MAX, text, textProblem } from './text-schema.js'

const single = text({ min: 1, max: 20, label: 'name' })
const multi = text({ max: 20, multiline: true, label: 'note' })

function messages(schema: typeof single, value: unknown): string[] {
  const result = schema.safeParse(value)
  return result.success ? [] : result.error.issues.map((issue) => issue.message)
}

describe('text', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['U+0001', '\u0001ab'],
    ['a vertical tab trimming would hide', '\u000bab'],
    ['a trailing form feed', 'ab\f'],
    ['DEL', 'a\u007f'],
    ['NEL (C1)', 'a\u0085b'],
    ['U+009F (C1)', 'a\u009fb'],
    ['ESC', '\u001b[31mred'],
  ])('refuses %s in single-line and multi-line text', (_, value) => {
    expect(messages(single, value)).toEqual(['name must not contain control characters or line breaks'])
    expect(messages(multi, value)).toEqual([
      'note must not contain control characters other than line breaks and tabs',
    ])
  })

  it.each([
    ['a lone high surrogate', 'a\ud83db'],
    ['a lone low surrogate', 'a\ude00b'],
    ['a high surrogate at the end', 'ab\ud83d'],
    ['surrogates in the wrong order', '\ude00\ud83d'],
  ])('refuses %s rather than rewriting it', (_, value) => {
    expect(messages(single, value)).toEqual(['name must not contain unpaired UTF-16 surrogates'])
    expect(messages(multi, value)).toEqual(['note must not contain unpaired UTF-16 surrogates'])
  })

  it('keeps paired surrogates: emoji, flags and other astral characters', () => {
    for (const value of ['😀', 'Grüße 👋🏽', '🇩🇪 Berlin', '𝄞 clef', '李小龍']) {
      expect(single.parse(value)).toBe(value)
      expect(multi.parse(value)).toBe(value)
    }
  })

  it('allows line feeds and tabs only where multi-line text is asked for', () => {
    for (const value of ['a\nb', 'a\tb', 'a\r\nb', 'a\u2028b', 'a\u2029b']) {
      expect(messages(single, value)).toEqual(['name must not contain control characters or line breaks'])
    }
    expect(multi.parse('first\n\tsecond')).toBe('first\n\tsecond')
    // HTML forms send CRLF; a lone CR is a control character.
    expect(multi.parse('first\r\nsecond')).toBe('first\nsecond')
    expect(messages(multi, 'first\rsecond')).toHaveLength(1)
  })

  it('trims single-line text before the length checks and keeps multi-line white space', () => {
    expect(single.parse('  Ada Lovelace \u00a0')).toBe('Ada Lovelace')
    expect(messages(single, '   ')).toEqual(['name must not be empty'])
    expect(multi.parse('  indented\n')).toBe('  indented\n')
    expect(text({ max: 10, trim: false }).parse(' key ')).toBe(' key ')
  })

  it('bounds the length, with a default when none is named', () => {
    expect(single.parse('x'.repeat(20))).toHaveLength(20)
    expect(messages(single, 'x'.repeat(21))).toEqual(['name must be at most 20 characters'])
    expect(messages(multi, 'x'.repeat(21))).toEqual(['note must be at most 20 characters'])
    expect(text().safeParse('x'.repeat(DEFAULT_TEXT_MAX)).success).toBe(true)
    expect(text().safeParse('x'.repeat(DEFAULT_TEXT_MAX + 1)).success).toBe(false)
    expect(text({ multiline: true }).safeParse('x'.repeat(DEFAULT_MULTILINE_TEXT_MAX)).success).toBe(true)
    expect(text({ multiline: true }).safeParse('x'.repeat(DEFAULT_MULTILINE_TEXT_MAX + 1)).success).toBe(
      false,
    )
    expect(messages(text({ min: 3 }), 'ab')).toEqual(['text must be at least 3 characters'])
  })

  it('refuses what is not a string and chains like any string schema', () => {
    expect(single.safeParse(42).success).toBe(false)
    expect(single.safeParse(null).success).toBe(false)
    const code = text({ min: 1, max: 8 }).regex(/^[A-Z]+$/, 'upper case only')
    expect(code.parse(' ABC ')).toBe('ABC')
    expect(messages(code, 'AB\u0000')).toHaveLength(1)
    expect(text().optional().parse(undefined)).toBeUndefined()
  })

  it('names the problem for hosts that check by hand', () => {
    expect(textProblem('fine')).toBeNull()
    expect(textProblem('a\nb')).not.toBeNull()
    expect(textProblem('a\nb', { multiline: true })).toBeNull()
    expect(textProblem('\ud800', { multiline: true })).toMatch(/surrogate/)
  })
})

describe('schemas that take free text', () => {
  it('refuse control characters in every address field', () => {
    const address = { name: 'Ada', line1: '1 Main St', city: 'Berlin', country: 'DE' }
    expect(addressSchema.safeParse(address).success).toBe(true)
    for (const field of ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'phone']) {
      const result = addressSchema.safeParse({ ...address, [field]: 'x\u0000' })
      expect(result.success, field).toBe(false)
      expect(result.error?.issues[0]?.path).toEqual([field])
    }
  })

  it('refuse control characters and lone surrogates in e-mail addresses', () => {
    expect(emailSchema.parse('ada@example.com')).toBe('ada@example.com')
    for (const value of [
      'ada\u0000@example.com',
      'ada@example.com\u0000',
      'a\ud800@example.com',
      'ada@exam\u0085ple.com',
    ])
      expect(emailSchema.safeParse(value).success, JSON.stringify(value)).toBe(false)
  })
})
