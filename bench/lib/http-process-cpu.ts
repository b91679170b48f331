import { readFileSync } from 'node:fs'

/** Linux's USER_HZ: /proc reports CPU time in these ticks (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = 100

/** CPU seconds (user + system) `pid` has used so far, from `/proc/<pid>/stat`; NaN when unreadable. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces, so count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 (utime) and 15 (stime) of proc(5), i.e. 11 and 12 after the name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/**
 * Nanoseconds the main thread of `pid` has spent runnable but waiting for a CPU, from
 * `/proc/<pid>/schedstat` (field 2); NaN when unreadable. On a shared machine this is where
 * latency goes that neither the server nor PostgreSQL spends working.
 */
export function processRunQueueWaitNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1])
  } catch {
    return Number.NaN
  }
}
