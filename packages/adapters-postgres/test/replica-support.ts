import type { Cache } from '@souk/core'
import {
  type PrivatePostgres,
  type PrivateReplica,
  startPrivatePostgres,
  startPrivateReplica,
} from '@souk/test-harness'
import pg from 'pg'
import { postgresStorage } from '../src/postgres-storage.js'

/** A private primary with a streaming hot standby of it, Souk's schema migrated on both. */
export interface ReplicaPair {
  readonly primary: PrivatePostgres
  readonly replica: PrivateReplica
  destroy(): Promise<void>
}

/**
 * Starts a primary that replicas can attach to, base-backs it up into a replica on a free port,
 * then migrates the primary, so the replica gets Souk's schema by streaming it.
 */
export async function startReplicaPair(): Promise<ReplicaPair> {
  const primary = await startPrivatePostgres({ replication: true })
  let replica: PrivateReplica | undefined
  try {
    replica = await startPrivateReplica(primary)
    const storage = postgresStorage({ connectionString: primary.url, poolSize: 2 })
    await storage.migrate()
    await storage.close()
    await replica.catchUp()
  } catch (error) {
    await replica?.destroy()
    await primary.destroy()
    throw error
  }
  const started = replica
  return {
    primary,
    replica: started,
    async destroy() {
      await started.destroy()
      await primary.destroy()
    },
  }
}

/** Runs one query on a fresh connection (so statistics are read in a fresh snapshot). */
export async function queryOnce<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return (await client.query(text, values)).rows as T[]
  } finally {
    await client.end()
  }
}

/**
 * Scans (sequential plus index) of Souk's tables as one server's own statistics count them: on a
 * replica these are the queries the replica itself answered.
 */
export async function tableScans(url: string, tables: readonly string[]): Promise<Record<string, number>> {
  const rows = await queryOnce<{ relname: string; scans: string }>(
    url,
    `select relname, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text as scans
       from pg_stat_user_tables where schemaname = 'souk' and relname = any($1::text[])`,
    [tables],
  )
  return Object.fromEntries(tables.map((t) => [t, Number(rows.find((r) => r.relname === t)?.scans ?? 0)]))
}

/** Committed transactions on one server, from its own `pg_stat_database`. */
export async function committedTransactions(url: string): Promise<number> {
  const [row] = await queryOnce<{ n: string }>(
    url,
    'select xact_commit::text as n from pg_stat_database where datname = current_database()',
  )
  return Number(row!.n)
}

/**
 * A cache that remembers nothing (its counters still count), so every catalog read reaches storage:
 * for tests that count the reads a server answered.
 */
export function forgetfulCache(): Cache {
  let counter = 0
  return {
    get: async () => undefined,
    set: async () => undefined,
    delete: async () => undefined,
    increment: async () => ++counter,
  }
}

/**
 * Wraps a cache and records every value stored through it, so a test can prove a stale value never
 * went in.
 */
export function recordingCache(inner: Cache): Cache & { readonly stored: { key: string; value: unknown }[] } {
  const stored: { key: string; value: unknown }[] = []
  return {
    stored,
    get: (key) => inner.get(key),
    async set(key, value, ttlMs) {
      stored.push({ key, value })
      await inner.set(key, value, ttlMs)
    },
    delete: (keys) => inner.delete(keys),
    increment: (key) => inner.increment(key),
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
