import type { SeedProgress } from './seed/seed-demo.js'

/** Prints one line per stage, updating in place on a terminal. */
export function progressPrinter(write: (text: string) => void = (t) => process.stdout.write(t)) {
  const tty = process.stdout.isTTY
  let last = ''
  return (p: SeedProgress) => {
    const line = `  seeding ${p.stage.padEnd(8)} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}`
    if (tty) write(`\r${line}${p.done === p.total ? '\n' : ''}`)
    else if (p.done === p.total || p.stage !== last) write(`${line}\n`)
    last = p.stage
  }
}
