import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { BenchError } from './bench-error.js'

/** The command that runs the bench; tsx alone would load the Souk packages from their dist. */
export const BENCH_COMMAND = 'node --import tsx --conditions=@souk/source bench/run.ts'

/**
 * Throws unless `@souk/core` resolves to its sources. Without the `@souk/source` condition the
 * workspace packages resolve to their dist: the last build, stale or missing, benchmarked instead
 * of the code beside it. Call it before importing anything from Souk.
 */
export function assertSoukSourceCondition(): void {
  const resolved = realpathSync(createRequire(import.meta.url).resolve('@souk/core'))
  const expected = realpathSync(fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url)))
  if (resolved !== expected) {
    throw new BenchError(
      `@souk/core resolves to ${resolved}, not its sources; start the bench as \`${BENCH_COMMAND}\``,
    )
  }
}
