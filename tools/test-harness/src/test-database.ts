import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import './provided-context.js'

export interface TestDatabase {
  /** Connection string of a fresh, empty database for this test file alone. */
  readonly url: string
  drop(): Promise<void>
}

/**
 * Creates an empty database on the server the global setup found, so test files run in parallel
 * without seeing each other's rows. Call `drop()` in `afterAll`.
 */
export async function createTestDatabase(label = 'souk'): Promise<TestDatabase> {
  const adminUrl = inject('postgresUrl')
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE "${name}"`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}
