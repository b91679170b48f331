import type { CsvProgress } from '@souk/core'

/** One progress line, rewritten in place on a terminal (like `pnpm seed`). */
export function csvProgressPrinter(
  label: string,
  unit: string,
  write: (text: string) => void = (t) => process.stdout.write(t),
  tty = process.stdout.isTTY === true,
) {
  let lastPercent = -1
  return (p: CsvProgress) => {
    const percent = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100)
    const line = `  ${label} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${unit} (${percent}%)`
    const finished = p.done === p.total
    if (tty) write(`\r${line}${finished ? '\n' : ''}`)
    // Not a terminal (a log, CI): a line every 10% only.
    else if (finished || Math.floor(percent / 10) !== Math.floor(lastPercent / 10)) write(`${line}\n`)
    lastPercent = percent
  }
}
