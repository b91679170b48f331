import pg from 'pg'

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

export interface FoundServer {
  readonly url: string
  /** Where it came from, for the test log. */
  readonly source: 'env' | 'localhost' | 'testcontainers'
  /** Stops a container this process started; a no-op otherwise. */
  stop(): Promise<void>
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Finds a real PostgreSQL server for tests, in SPEC.md's order: TEST_DATABASE_URL, else the
 * local server on 127.0.0.1:5432, else a Testcontainers container when a Docker engine answers.
 * Otherwise it throws a message that says how to provide one. Never a fake.
 */
export async function findPostgres(): Promise<FoundServer> {
  const fromEnv = process.env.TEST_DATABASE_URL
  if (fromEnv) {
    if (!(await reachable(fromEnv)))
      throw new Error(`TEST_DATABASE_URL is set but ${redact(fromEnv)} does not answer`)
    return { url: fromEnv, source: 'env', stop: async () => {} }
  }
  if (await reachable(LOCAL_URL)) return { url: LOCAL_URL, source: 'localhost', stop: async () => {} }
  try {
    // Loaded only now: without a Docker engine the import is wasted work and the start fails fast.
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    const container = await new PostgreSqlContainer('postgres:15-alpine').start()
    return {
      url: container.getConnectionUri(),
      source: 'testcontainers',
      stop: async () => void (await container.stop()),
    }
  } catch (error) {
    throw new Error(
      [
        'Souk tests need a real PostgreSQL server and found none.',
        '  - set TEST_DATABASE_URL=postgres://user@host:port/db (the user must be able to CREATE DATABASE), or',
        '  - start PostgreSQL on 127.0.0.1:5432 with user postgres (e.g. `pg_ctlcluster 15 main start`), or',
        '  - run a Docker engine so Testcontainers can start one.',
        `Testcontainers said: ${error instanceof Error ? error.message : String(error)}`,
      ].join('\n'),
    )
  }
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}
