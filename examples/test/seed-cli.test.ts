import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { SeedProgress } from '../src/seed/seed-demo.js'
import { formatDuration, seedProgressLine } from '../src/seed/seed-progress-line.js'

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url))

/** A progress line fed by hand, on a clock the test moves. */
function printer(tty: boolean) {
  const lines: string[] = []
  let now = 0
  const print = seedProgressLine({
    write: (text) => lines.push(text),
    tty,
    plainIntervalMs: 10_000,
    now: () => now,
  })
  return {
    lines,
    at(ms: number, progress: SeedProgress) {
      now = ms
      print(progress)
    },
  }
}

describe('seed progress line', () => {
  it('shows items/s, rows/s and an ETA while a stage runs, and its time when it ends', () => {
    const p = printer(false)
    p.at(0, { stage: 'catalog', done: 0, total: 1_000_000, rows: 100 })
    p.at(10_000, { stage: 'catalog', done: 100_000, total: 1_000_000, rows: 2_000_100 })
    p.at(100_000, { stage: 'catalog', done: 1_000_000, total: 1_000_000, rows: 20_000_100 })
    expect(p.lines).toEqual([
      '  seeding catalog  0/1,000,000 products\n',
      '  seeding catalog  100,000/1,000,000 products · 10,000 products/s · 200,000 rows/s · ETA 1m30s\n',
      '  seeding catalog  1,000,000/1,000,000 products · 10,000 products/s · 200,000 rows/s in 1m40s\n',
    ])
  })

  it('counts rows/s per stage, from the rows written when the stage began', () => {
    const p = printer(false)
    p.at(0, { stage: 'catalog', done: 10, total: 10, rows: 1000 })
    p.at(0, { stage: 'orders', done: 0, total: 100, rows: 1000 })
    p.at(2000, { stage: 'orders', done: 100, total: 100, rows: 1600 })
    expect(p.lines.at(-1)).toBe('  seeding orders   100/100 orders · 50 orders/s · 300 rows/s in 2s\n')
  })

  it('in a log, prints a line per interval, not per report', () => {
    const p = printer(false)
    for (let ms = 0; ms < 25_000; ms += 100) p.at(ms, { stage: 'search', done: ms, total: 1_000_000 })
    expect(p.lines).toHaveLength(3)
  })

  it('on a terminal, rewrites one line in place and ends it when the stage is done', () => {
    const p = printer(true)
    p.at(0, { stage: 'vacuum', done: 0, total: 2 })
    p.at(100, { stage: 'vacuum', done: 1, total: 2 })
    p.at(400, { stage: 'vacuum', done: 1, total: 2 })
    p.at(500, { stage: 'vacuum', done: 2, total: 2 })
    expect(p.lines).toHaveLength(3)
    expect(p.lines.every((line) => line.startsWith('\r\x1b[2K'))).toBe(true)
    expect(p.lines.at(-1)).toMatch(/2\/2 tables.* in 1s\n$/)
  })

  it('formats durations from seconds to hours', () => {
    expect([
      formatDuration(400),
      formatDuration(59_000),
      formatDuration(95_000),
      formatDuration(3_725_000),
    ]).toEqual(['0s', '59s', '1m35s', '1h02m'])
  })
})

describe('pnpm seed', () => {
  it('refuses a catalog too large for the embedded database, before opening it', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    delete env.DATABASE_URL
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@souk/source', 'src/seed/seed-cli.ts', '--products', '1_000_000'],
      { cwd: EXAMPLES, env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toMatch(/too many for the embedded PGlite database \(at most 100,000\).*DATABASE_URL/)
  })
})
