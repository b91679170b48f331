import assert from 'node:assert/strict'
import type { KeysetCursor, KeysetPage } from '../ports/keyset-page.js'

/**
 * Walks a port's listing from the first page to the last, `limit` rows a page, and returns every
 * row in the order served. Checks what every keyset listing promises on the way: each `next`
 * carries the listing's `sort`, a page with a `next` is full, the last page's `next` is null, and
 * no row comes twice (`key` names a row). The caller compares the rows with what it stored, so a
 * skipped row or a wrong order fails there.
 */
export async function pageThrough<T>(
  list: (after: KeysetCursor | undefined) => Promise<KeysetPage<T>>,
  input: {
    readonly sort: string
    readonly limit: number
    readonly key: (row: T) => string
  },
): Promise<T[]> {
  const rows: T[] = []
  const seen = new Set<string>()
  let after: KeysetCursor | undefined
  for (let pages = 1; ; pages++) {
    const page = await list(after)
    for (const row of page.items) {
      const key = input.key(row)
      assert.ok(!seen.has(key), `row ${key} served twice`)
      seen.add(key)
      rows.push(row)
    }
    if (page.next === null) return rows
    assert.equal(page.next.sort, input.sort, 'next.sort names the listing')
    assert.equal(page.items.length, input.limit, 'a page before the last is full')
    assert.ok(pages < 10_000, 'the listing never ends')
    after = page.next
  }
}
