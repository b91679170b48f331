import type { Commerce, CursorPage, ValidationIssue } from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { expect } from 'vitest'

/**
 * Walks a service listing from the first page to the last and returns every item in order. Asserts
 * that no item comes twice and that the walk ends (the last page's `nextCursor` is null).
 */
export async function allPages<T extends { readonly id: string }>(
  list: (cursor: string | undefined) => Promise<CursorPage<T>>,
): Promise<T[]> {
  const items: T[] = []
  let cursor: string | undefined
  for (let pages = 1; pages <= 1000; pages++) {
    const page = await list(cursor)
    items.push(...page.items)
    if (page.nextCursor === null) {
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length)
      return items
    }
    cursor = page.nextCursor
  }
  throw new Error('the listing never ends')
}

/** Asserts that a list call refused its `cursor`: `validation.failed` on path `cursor`. */
export async function expectCursorRefused(call: Promise<unknown>): Promise<void> {
  const error = await expectCommerceError(call, 'validation.failed')
  const { issues } = error.details as { issues: readonly ValidationIssue[] }
  expect(issues.map((i) => i.path)).toEqual(['cursor'])
}

/** A real cursor of another listing (promotions, two of them made so that a next page exists). */
export async function promotionsCursor(commerce: Commerce): Promise<string> {
  for (let i = 0; i < 2; i++) {
    const code = `CURSOR${Math.random().toString(36).slice(2, 10).toUpperCase()}`
    await commerce.promotions.create({ code, kind: 'free_shipping' })
  }
  const { nextCursor } = await commerce.promotions.list({ limit: 1 })
  expect(nextCursor).not.toBeNull()
  return nextCursor!
}
