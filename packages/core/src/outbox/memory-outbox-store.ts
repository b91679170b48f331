import type { OutboxMessage, OutboxStore } from '../ports/outbox-store.js'

/** One stored message of the in-memory outbox, as `rows()` shows it. */
export interface MemoryOutboxRow {
  readonly id: string
  readonly topic: string
  readonly key: string
  readonly payload: unknown
  readonly createdAt: Date
  readonly availableAt: Date
  readonly lockedUntil: Date | null
  readonly attempts: number
  readonly lastError: string | null
  readonly processedAt: Date | null
}

/** The in-memory outbox; `rows()` reads what it holds, for tests. */
export interface MemoryOutboxStore extends OutboxStore {
  rows(): MemoryOutboxRow[]
}

/**
 * An outbox in process memory: the reference implementation of the `OutboxStore` contract, for
 * tests and single-process tools. It is not durable, so it cannot be transactional with a database.
 * Each call runs to completion within one turn of the event loop, so claims never interleave.
 */
export function createMemoryOutboxStore(): MemoryOutboxStore {
  const rows = new Map<string, { -readonly [K in keyof MemoryOutboxRow]: MemoryOutboxRow[K] }>()
  let sequence = 0
  // Payloads are copied in and out, as a database would, so callers never share them.
  const copy = (value: unknown): unknown => (value === undefined ? null : structuredClone(value))

  return {
    async enqueue({ messages, now }) {
      return messages.map((m) => {
        const id = String(++sequence)
        rows.set(id, {
          id,
          topic: m.topic,
          key: m.key,
          payload: copy(m.payload),
          createdAt: new Date(now),
          availableAt: new Date(now),
          lockedUntil: null,
          attempts: 0,
          lastError: null,
          processedAt: null,
        })
        return id
      })
    },

    async claim({ topic, limit, leaseMs, now }) {
      const t = now.getTime()
      const open = [...rows.values()].filter((r) => r.topic === topic && r.processedAt === null)
      const leasedKeys = new Set(
        open.filter((r) => r.lockedUntil !== null && r.lockedUntil.getTime() > t).map((r) => r.key),
      )
      const picked = open
        .filter((r) => r.availableAt.getTime() <= t && !leasedKeys.has(r.key))
        .sort((a, b) => a.availableAt.getTime() - b.availableAt.getTime() || Number(a.id) - Number(b.id))
        .slice(0, limit)
      return picked
        .map((r): OutboxMessage => {
          r.lockedUntil = new Date(t + leaseMs)
          r.attempts += 1
          return { id: r.id, topic: r.topic, key: r.key, payload: copy(r.payload), attempts: r.attempts }
        })
        .sort((a, b) => Number(a.id) - Number(b.id))
    },

    async ack({ messageIds, now }) {
      let acked = 0
      for (const id of new Set(messageIds)) {
        const row = rows.get(id)
        if (!row || row.processedAt !== null) continue
        row.processedAt = new Date(now)
        row.lockedUntil = null
        acked++
      }
      return acked
    },

    async fail({ messageIds, error, retryAt }) {
      for (const id of messageIds) {
        const row = rows.get(id)
        if (!row || row.processedAt !== null) continue
        row.lastError = error.slice(0, 2000)
        row.availableAt = new Date(retryAt)
        row.lockedUntil = null
      }
    },

    rows: () => [...rows.values()].map((r) => ({ ...r })),

    async purge({ before, logTopics, limit }) {
      const t = before.getTime()
      const gone = [...rows.values()]
        .filter(
          (r) =>
            (r.processedAt !== null && r.processedAt.getTime() < t) ||
            (logTopics.includes(r.topic) && r.createdAt.getTime() < t),
        )
        .slice(0, limit)
      for (const r of gone) rows.delete(r.id)
      return gone.length
    },
  }
}
