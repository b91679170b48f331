import type { SeedProgress } from './seed-demo.js'

/** What each stage counts, for the progress line. */
const UNITS: Record<SeedProgress['stage'], string> = {
  catalog: 'products',
  stock: 'checks',
  orders: 'orders',
  reviews: 'products',
  totals: 'statements',
  shipping: 'steps',
  search: 'documents',
  vacuum: 'tables',
}

export interface SeedProgressLineOptions {
  /** Where lines go. Default: stdout. */
  readonly write?: (text: string) => void
  /** Rewrite one line in place (a terminal) or print plain lines. Default: whether stdout is a TTY. */
  readonly tty?: boolean
  /** Milliseconds between plain lines within a stage. Default 10,000. */
  readonly plainIntervalMs?: number
  /** The time, in ms. Default `Date.now`. */
  readonly now?: () => number
}

const count = (n: number) => Math.round(n).toLocaleString('en-US')

/** `95 s` → `1m35s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}

/**
 * The seed's progress for a person watching: per stage, how far, how fast (items/s and, for the
 * bulk stages, rows/s over every table), and when it should be done; one closing line per stage
 * with its time. On a terminal the line is rewritten in place (at most 4 times a second); in a log,
 * a plain line every `plainIntervalMs`.
 */
export function seedProgressLine(options: SeedProgressLineOptions = {}): (progress: SeedProgress) => void {
  const write = options.write ?? ((text: string) => process.stdout.write(text))
  const tty = options.tty ?? process.stdout.isTTY === true
  const plainIntervalMs = options.plainIntervalMs ?? 10_000
  const now = options.now ?? Date.now
  let stage: { name: SeedProgress['stage']; since: number; rowsBefore: number } | null = null
  let lastRows = 0
  let lastShown = Number.NEGATIVE_INFINITY

  const describe = (p: SeedProgress, elapsedMs: number) => {
    const seconds = Math.max(elapsedMs, 1) / 1000
    const unit = UNITS[p.stage]
    const rate = p.done / seconds
    const rows =
      p.rows === undefined ? '' : ` · ${count((p.rows - (stage?.rowsBefore ?? 0)) / seconds)} rows/s`
    const done = p.done >= p.total
    const pace = done
      ? ` in ${formatDuration(elapsedMs)}`
      : p.done > 0
        ? ` · ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}`
        : ''
    const speed = p.done > 0 && p.total > 1 ? ` · ${count(rate)} ${unit}/s${rows}` : ''
    return `  seeding ${p.stage.padEnd(8)} ${count(p.done)}/${count(p.total)} ${unit}${speed}${pace}`
  }

  return (p) => {
    const at = now()
    if (stage?.name !== p.stage) {
      // A stage's first report carries the rows earlier stages wrote (seedDemo reports 0 done first).
      stage = {
        name: p.stage,
        since: at,
        rowsBefore: p.done === 0 && p.rows !== undefined ? p.rows : lastRows,
      }
      lastShown = Number.NEGATIVE_INFINITY
    }
    if (p.rows !== undefined) lastRows = p.rows
    const done = p.done >= p.total
    const line = describe(p, at - stage.since)
    if (tty) {
      if (!done && at - lastShown < 250) return
      write(`\r\x1b[2K${line}${done ? '\n' : ''}`)
    } else {
      if (!done && at - lastShown < plainIntervalMs) return
      write(`${line}\n`)
    }
    lastShown = at
  }
}
