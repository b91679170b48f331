import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Benchmark, BenchmarkReport, CaseResult } from './benchmark.js'
import { markdownTable } from './markdown-table.js'
import type { RunEnvironment } from './run-environment.js'

const RESULTS_DIR = new URL('../results/', import.meta.url)
const BIOME = fileURLToPath(new URL('../../node_modules/@biomejs/biome/bin/biome', import.meta.url))

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => (Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1))

function row(c: CaseResult): string[] {
  const ceiling =
    c.ceilingTps === null ? 'n/a' : `${int(c.ceilingTps)}${c.ceilingSource === 'STACK.md' ? '*' : ''}`
  return [
    c.name,
    String(c.callers),
    int(c.opsPerSecond),
    ms(c.latencyMs.p50),
    ms(c.latencyMs.p95),
    ms(c.latencyMs.p99),
    ceiling,
    c.ratio === null ? 'n/a' : `${c.ratio.toFixed(2)}×`,
    c.loadAverage.toFixed(2),
  ]
}

/** The summary as markdown, ready to paste into docs/benchmarks.md. */
export function formatSummary(benchmark: Benchmark, report: BenchmarkReport, env: RunEnvironment): string {
  const table = markdownTable(
    ['case', 'callers', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'ceiling tps', 'ratio', 'load'],
    report.cases.map(row),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  )
  const starred = report.cases.some((c) => c.ceilingSource === 'STACK.md')
  return [
    `## ${benchmark.title}`,
    '',
    `Measured ${env.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${env.cpus} CPUs, load average ` +
      `${env.loadAverage.join(' ')} at start (load column: 1-minute average as each case ended), ` +
      `PostgreSQL ${env.postgres} with synchronous_commit ${env.synchronousCommit}, Node ${env.node}, ` +
      'Postgres and the bench on the same machine.',
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
    table,
    ...(starred ? ['', '\\* from STACK.md, not measured in this run.'] : []),
    '',
    ...report.checks.map((c) => `- ${c.ok ? 'ok' : 'FAILED'}: ${c.name}: ${c.detail}`),
  ].join('\n')
}

/** Three decimals are plenty for milliseconds, ratios and tps, and keep the committed file readable. */
const rounded = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value

/** Writes `bench/results/latest-<name>.json` and returns its path. */
export async function writeResults(
  benchmark: Benchmark,
  report: BenchmarkReport,
  env: RunEnvironment,
  markdown: string,
): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true })
  const file = fileURLToPath(new URL(`latest-${benchmark.name}.json`, RESULTS_DIR))
  const body = { benchmark: benchmark.name, title: benchmark.title, environment: env, ...report, markdown }
  await writeFile(file, `${JSON.stringify(body, rounded, 2)}\n`)
  // The file is committed, so give it the repository's formatting or `pnpm lint` fails on it.
  await promisify(execFile)(process.execPath, [BIOME, 'format', '--write', file]).catch(() => undefined)
  return file
}
