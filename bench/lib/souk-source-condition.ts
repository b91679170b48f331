import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { BenchError } from './bench-error.js'

/** The command that runs the bench; tsx alone would load the adapter's `@souk/core` from dist. */
export const BENCH_COMMAND = 'node --import tsx --conditions=@souk/source bench/run.ts'

/**
 * Throws unless the adapter's `@souk/core` resolves to the sources the bench imports. Without the
 * `@souk/source` condition it resolves to dist: a stale second copy whose error classes fail
 * `instanceof`. Call it before importing anything from Souk.
 */
export function assertSoukSourceCondition(): void {
  const adapter = createRequire(new URL('../../packages/adapters-postgres/package.json', import.meta.url))
  const resolved = realpathSync(adapter.resolve('@souk/core'))
  const expected = realpathSync(fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url)))
  if (resolved !== expected) {
    throw new BenchError(
      `@souk/core resolves to ${resolved}, not its sources; start the bench as \`${BENCH_COMMAND}\``,
    )
  }
}
