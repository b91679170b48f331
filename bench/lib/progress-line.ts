/** Where a running case reports how far it is. */
export interface ProgressLine {
  update(text: string): void
  /** Clears the line; the next `update` starts a new one. */
  clear(): void
}

/** Plain lines at most this often when stderr is a file or pipe, so logs stay readable. */
const PLAIN_INTERVAL_MS = 1000

/** One line rewritten in place on a TTY; throttled plain lines otherwise. */
export function createProgressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (stream.isTTY) {
    let shown = false
    return {
      update(text) {
        // columns is 0 on a pseudo-terminal that never reported its size.
        const width = Math.max(20, (stream.columns || 80) - 1)
        stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`)
        shown = true
      },
      clear() {
        if (shown) stream.write('\r\x1b[2K')
        shown = false
      },
    }
  }
  let lastAt = Number.NEGATIVE_INFINITY
  return {
    update(text) {
      const now = performance.now()
      if (now - lastAt < PLAIN_INTERVAL_MS) return
      lastAt = now
      stream.write(`${text}\n`)
    },
    clear() {
      lastAt = Number.NEGATIVE_INFINITY
    },
  }
}
