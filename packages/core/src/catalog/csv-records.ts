import { ValidationError } from '../errors/error-classes.js'

/** One CSV record: its fields, and the line of the file it starts on (1-based). */
export interface CsvRecord {
  readonly line: number
  readonly fields: readonly string[]
}

/** Where CSV text comes from: a whole string, or chunks (a file stream, a request body). */
export type CsvSource = string | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>

export interface CsvLimits {
  /** Largest field, in characters. Default 100,000. */
  readonly maxFieldChars?: number
  /** Largest input, in characters (a UTF-8 file may be up to 4 times larger in bytes). Default 50,000,000. */
  readonly maxChars?: number
  /** Most fields in one record. Default 1,000. */
  readonly maxFields?: number
}

export const DEFAULT_MAX_CSV_FIELD_CHARS = 100_000
export const DEFAULT_MAX_CSV_CHARS = 50_000_000
export const DEFAULT_MAX_CSV_FIELDS = 1_000

function csvError(line: number, message: string): ValidationError {
  return new ValidationError(`Invalid CSV: line ${line}: ${message}`, [{ path: `line ${line}`, message }])
}

async function* chunksOf(source: CsvSource): AsyncGenerator<string> {
  if (typeof source === 'string') {
    yield source
    return
  }
  // One decoder across chunks: a multi-byte character may be split between two of them.
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of source as AsyncIterable<string | Uint8Array>) {
      yield typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    }
    const rest = decoder.decode()
    if (rest) yield rest
  } catch (error) {
    if (error instanceof TypeError) {
      throw new ValidationError('Invalid CSV: the file is not UTF-8 text', [
        { path: 'file', message: 'not UTF-8' },
      ])
    }
    throw error
  }
}

/**
 * Reads RFC 4180 CSV as a stream of records, holding at most one record in memory: fields
 * separated by commas; records by CRLF or LF (a lone CR too); a field in double quotes may hold
 * commas, line breaks and doubled quotes (`""` is one `"`). A UTF-8 byte-order mark is skipped,
 * and a final line break does not make an empty record; blank lines elsewhere are records with
 * one empty field, which callers usually skip.
 *
 * Malformed input throws `ValidationError` naming the line (issue path `line N`): a quote that
 * never closes, a quote inside an unquoted field, text after a closing quote, a field, record or
 * input over its limit, bytes that are not UTF-8. The error comes when the reader reaches it, so
 * a caller that must not act on a broken file reads it through once first (see `importProductsCsv`).
 */
export async function* readCsvRecords(source: CsvSource, limits: CsvLimits = {}): AsyncGenerator<CsvRecord> {
  const maxField = limits.maxFieldChars ?? DEFAULT_MAX_CSV_FIELD_CHARS
  const maxChars = limits.maxChars ?? DEFAULT_MAX_CSV_CHARS
  const maxFields = limits.maxFields ?? DEFAULT_MAX_CSV_FIELDS

  let fields: string[] = []
  let field = ''
  // 'start': at a field's start; 'plain': in an unquoted field; 'quoted': inside quotes;
  // 'closing': just after a quote inside quotes (either "" or the closing quote).
  let state: 'start' | 'plain' | 'quoted' | 'closing' = 'start'
  let line = 1
  let recordLine = 1
  let seen = 0
  let first = true
  let afterCr = false
  let any = false

  const push = () => {
    if (field.length > maxField) throw csvError(line, `a field is longer than ${maxField} characters`)
    fields.push(field)
    if (fields.length > maxFields) throw csvError(recordLine, `a record has more than ${maxFields} fields`)
    field = ''
  }

  for await (let chunk of chunksOf(source)) {
    seen += chunk.length
    if (seen > maxChars) throw csvError(line, `the input is longer than ${maxChars} characters`)
    if (first && chunk.length > 0) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
      first = false
    }
    let i = 0
    const n = chunk.length
    while (i < n) {
      const c = chunk[i]!
      // A LF right after a CR belongs to the same line break.
      if (afterCr) {
        afterCr = false
        if (c === '\n') {
          i++
          continue
        }
      }
      switch (state) {
        case 'quoted': {
          // Copy the run up to the next quote at once: long quoted fields stay cheap.
          const q = chunk.indexOf('"', i)
          const end = q === -1 ? n : q
          const run = chunk.slice(i, end)
          // Line numbers count LFs inside quotes (CRLF and LF files; a CR-only file's quoted
          // line breaks are not counted).
          for (let k = run.indexOf('\n'); k !== -1; k = run.indexOf('\n', k + 1)) line++
          field += run
          if (field.length > maxField)
            throw csvError(recordLine, `a field is longer than ${maxField} characters`)
          if (q === -1) i = n
          else {
            state = 'closing'
            i = q + 1
          }
          continue
        }
        case 'closing':
          if (c === '"') {
            field += '"'
            state = 'quoted'
            i++
            continue
          }
          if (c !== ',' && c !== '\n' && c !== '\r') {
            throw csvError(line, 'text after a closing quote (a quote inside a quoted field is written "")')
          }
          state = 'plain'
          break
        case 'start':
          if (c === '"') {
            state = 'quoted'
            any = true
            i++
            continue
          }
          state = 'plain'
          break
        default:
          break
      }
      // state is 'plain' here.
      if (c === ',') {
        push()
        state = 'start'
        any = true
        i++
      } else if (c === '\n' || c === '\r') {
        push()
        yield { line: recordLine, fields }
        fields = []
        state = 'start'
        any = false
        line++
        recordLine = line
        afterCr = c === '\r'
        i++
      } else if (c === '"') {
        throw csvError(line, 'a quote inside an unquoted field (quote the whole field and write "" for ")')
      } else {
        // The run of ordinary characters up to the next special one.
        let j = i + 1
        while (j < n) {
          const d = chunk[j]!
          if (d === ',' || d === '\n' || d === '\r' || d === '"') break
          j++
        }
        field += chunk.slice(i, j)
        if (field.length > maxField) throw csvError(line, `a field is longer than ${maxField} characters`)
        any = true
        i = j
      }
    }
  }
  if (state === 'quoted') throw csvError(recordLine, 'a quoted field is never closed (unterminated quote)')
  if (any || field.length > 0 || fields.length > 0) {
    push()
    yield { line: recordLine, fields }
  }
}

const NEEDS_QUOTES = /[",\r\n]/

/** One CSV field as RFC 4180 writes it: quoted (with `""` for `"`) only when it must be. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) || value.trim() !== value ? `"${value.replaceAll('"', '""')}"` : value
}

/** One CSV record line, ending in CRLF as RFC 4180 asks. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`
}
