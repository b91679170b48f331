import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { type CsvLimits, type CsvSource, csvLine, readCsvRecords } from './csv-records.js'

async function read(source: CsvSource, limits?: CsvLimits) {
  const out: { line: number; fields: readonly string[] }[] = []
  for await (const record of readCsvRecords(source, limits)) out.push(record)
  return out
}

async function failure(source: CsvSource, limits?: CsvLimits) {
  try {
    await read(source, limits)
  } catch (error) {
    if (isCommerceError(error, 'validation.failed'))
      return (error.details.issues as { path: string; message: string }[])[0]
    throw error
  }
  throw new Error('expected a validation error')
}

/** The same text cut into chunks of every size from 1 to 7 characters (or bytes). */
function chunked(text: string, size: number, bytes = false): CsvSource {
  if (bytes) {
    const all = new TextEncoder().encode(text)
    const parts: Uint8Array[] = []
    for (let i = 0; i < all.length; i += size) parts.push(all.slice(i, i + size))
    return parts
  }
  const parts: string[] = []
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size))
  return (async function* () {
    yield* parts
  })()
}

describe('readCsvRecords (RFC 4180)', () => {
  const tricky =
    '\uFEFFhandle,description,price\r\n' +
    'tee,"Soft, warm\r\nand ""organic""",1500\r\n' +
    'mug,,  900 \n' +
    'cap,"",0\n' +
    'ümlaut,"multi\nline\nfield",7'

  it('reads quotes, commas, line breaks and doubled quotes in fields, with the line each record starts on', async () => {
    const expected = [
      { line: 1, fields: ['handle', 'description', 'price'] },
      { line: 2, fields: ['tee', 'Soft, warm\r\nand "organic"', '1500'] },
      { line: 4, fields: ['mug', '', '  900 '] },
      { line: 5, fields: ['cap', '', '0'] },
      { line: 6, fields: ['ümlaut', 'multi\nline\nfield', '7'] },
    ]
    expect(await read(tricky)).toEqual(expected)
    for (let size = 1; size <= 7; size++) {
      expect(await read(chunked(tricky, size))).toEqual(expected)
      expect(await read(chunked(tricky, size, true))).toEqual(expected)
    }
  })

  it('keeps empty fields and blank lines, and drops only the final line break', async () => {
    expect(await read('a,,b\n\n,\n')).toEqual([
      { line: 1, fields: ['a', '', 'b'] },
      { line: 2, fields: [''] },
      { line: 3, fields: ['', ''] },
    ])
    expect(await read('')).toEqual([])
    expect(await read('x\ry')).toEqual([
      { line: 1, fields: ['x'] },
      { line: 2, fields: ['y'] },
    ])
  })

  it.each([
    ['an unterminated quote', 'a,b\n1,"never closed\n2,3\n', 'line 2', /never closed/],
    ['a quote inside an unquoted field', 'a,b\n1,ab"c\n', 'line 2', /quote inside an unquoted field/],
    ['text after a closing quote', 'a,b\n1,"x"y\n', 'line 2', /after a closing quote/],
  ])('refuses %s with the line', async (_, text, path, message) => {
    const issue = await failure(text)
    expect(issue?.path).toBe(path)
    expect(issue?.message).toMatch(message)
  })

  it('refuses oversized fields, records and inputs, and bytes that are not UTF-8', async () => {
    expect((await failure(`a\n${'x'.repeat(101)}\n`, { maxFieldChars: 100 }))?.message).toMatch(
      /longer than 100/,
    )
    expect((await failure(`a\n"${'x'.repeat(101)}"\n`, { maxFieldChars: 100 }))?.message).toMatch(
      /longer than 100/,
    )
    expect((await failure('a,b,c,d\n', { maxFields: 3 }))?.message).toMatch(/more than 3 fields/)
    expect((await failure(chunked('abc\n'.repeat(100), 10), { maxChars: 200 }))?.message).toMatch(
      /longer than 200/,
    )
    expect((await failure([new Uint8Array([0x61, 0xff, 0x0a])]))?.message).toBe('not UTF-8')
  })

  it('writes fields that read back the same', async () => {
    const fields = ['plain', 'with, comma', 'with "quotes"', 'two\nlines', ' padded ', '']
    expect(csvLine(fields)).toBe('plain,"with, comma","with ""quotes""","two\nlines"," padded ",\r\n')
    expect(await read(csvLine(fields))).toEqual([{ line: 1, fields }])
  })
})
