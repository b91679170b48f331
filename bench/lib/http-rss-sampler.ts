import { readFileSync } from 'node:fs'

/** Samples a process's resident set size from `/proc/<pid>/status` (Linux). */
export interface RssSampler {
  /** Starts a window; `endWindow` returns the largest RSS seen since. */
  startWindow(): void
  endWindow(): number
  /** Largest RSS seen since the sampler started, in bytes; NaN when /proc is unavailable. */
  readonly maxBytes: number
  /** The RSS right now, in bytes; NaN when it cannot be read. */
  current(): number
  stop(): void
}

/** Reads VmRSS of `pid` in bytes; NaN when the process or /proc is gone. */
export function readRssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1]
    return kb === undefined ? Number.NaN : Number(kb) * 1024
  } catch {
    return Number.NaN
  }
}

/** Polls every `intervalMs` (default 100 ms): a page-cache read, negligible beside the load. */
export function sampleRss(pid: number, intervalMs = 100): RssSampler {
  let max = Number.NaN
  let windowMax = Number.NaN
  const sample = () => {
    const rss = readRssBytes(pid)
    if (Number.isNaN(rss)) return
    if (!(rss <= max)) max = rss
    if (!(rss <= windowMax)) windowMax = rss
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  timer.unref()
  return {
    startWindow() {
      windowMax = Number.NaN
      sample()
    },
    endWindow() {
      sample()
      return windowMax
    },
    get maxBytes() {
      return max
    },
    current: () => readRssBytes(pid),
    stop() {
      clearInterval(timer)
    },
  }
}
