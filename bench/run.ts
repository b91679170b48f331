/**
 * `pnpm bench [name...]`: runs every benchmark, or the named ones, against a fresh database on the
 * local (or BENCH_DATABASE_URL / DATABASE_URL) PostgreSQL, prints a markdown summary per benchmark
 * and writes it to bench/results/latest-<name>.json. Exits 1 when a correctness check fails.
 */
import { relative } from 'node:path'
import { benchDatabase } from './lib/bench-database.js'
import { BenchError } from './lib/bench-error.js'
import { readBenchSettings } from './lib/bench-settings.js'
import type { Benchmark } from './lib/benchmark.js'
import { formatSummary, writeResults } from './lib/benchmark-results.js'
import { createCleanupStack } from './lib/cleanup-stack.js'
import { findPgbench } from './lib/pgbench.js'
import { createProgressLine } from './lib/progress-line.js'
import { describeEnvironment } from './lib/run-environment.js'
import { assertSoukSourceCondition, BENCH_COMMAND } from './lib/souk-source-condition.js'

const usage = (benchmarks: readonly Benchmark[]) => `usage: ${BENCH_COMMAND} [name...]

benchmarks: ${benchmarks.map((b) => `${b.name} (${b.title})`).join(', ')}
env: BENCH_DATABASE_URL or DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
     BENCH_SECONDS (default 5), BENCH_WARMUP_SECONDS (default 1)`

function selectBenchmarks(benchmarks: readonly Benchmark[], names: readonly string[]) {
  const unknown = names.filter((name) => !benchmarks.some((b) => b.name === name))
  if (unknown.length > 0)
    throw new BenchError(`unknown benchmark ${unknown.join(', ')}\n\n${usage(benchmarks)}`)
  return names.length === 0 ? benchmarks : benchmarks.filter((b) => names.includes(b.name))
}

async function main(args: readonly string[]): Promise<number> {
  assertSoukSourceCondition()
  // Imported only now: with the wrong resolution the imports themselves would fail obscurely.
  const { benchmarks } = await import('./benchmarks.js')
  const { postgresStorage } = await import('@souk/adapters-postgres')
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage(benchmarks))
    return 0
  }
  const selected = selectBenchmarks(benchmarks, args)
  const settings = readBenchSettings()
  const progress = createProgressLine()
  const abort = new AbortController()
  const cleanup = createCleanupStack((error) => console.error('bench: cleanup step failed:', error))

  const interrupt = (signal: NodeJS.Signals) => {
    abort.abort()
    progress.clear()
    console.error(`\nbench: ${signal}, dropping the bench database`)
    void cleanup.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)

  let failedChecks = 0
  try {
    progress.update('bench · creating the database')
    const database = benchDatabase(settings.adminUrl)
    cleanup.add(() => database.drop())
    await database.create().catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error)
      throw new BenchError(`cannot create a database via ${redact(settings.adminUrl)}: ${reason}`)
    })
    progress.update(`bench · migrating ${database.name}`)
    const storage = postgresStorage({ connectionString: database.url, poolSize: 1 })
    try {
      await storage.migrate()
    } finally {
      await storage.close()
    }
    progress.clear()

    const env = await describeEnvironment(database.url)
    const pgbench = findPgbench()
    for (const benchmark of selected) {
      console.log(`# ${benchmark.title} (${benchmark.name}) in ${database.name}\n`)
      const report = await benchmark.run({
        databaseUrl: database.url,
        settings,
        pgbench,
        progress,
        signal: abort.signal,
        log(line) {
          progress.clear()
          console.log(line)
        },
      })
      const markdown = formatSummary(benchmark, report, env)
      const file = await writeResults(benchmark, report, env, markdown)
      console.log(`\n${markdown}\n\nwritten to ${relative(process.cwd(), file)}\n`)
      for (const check of report.checks.filter((c) => !c.ok)) {
        failedChecks++
        console.error(`bench: CHECK FAILED: ${benchmark.name} ${check.name}: ${check.detail}`)
      }
    }
  } catch (error) {
    if (abort.signal.aborted) return 130
    throw error
  } finally {
    progress.clear()
    await cleanup.run()
  }
  return failedChecks > 0 ? 1 : 0
}

function redact(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof BenchError ? `bench: ${error.message}` : error)
    process.exitCode = 1
  },
)
