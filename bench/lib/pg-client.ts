import { createRequire } from 'node:module'

/** The subset of node-postgres' `Client` the bench needs for setup and checks. */
export interface PgClient {
  connect(): Promise<unknown>
  query<R extends object>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>
  end(): Promise<void>
  on(event: 'error', listener: (error: Error) => void): unknown
}

interface PgModule {
  readonly Client: new (config: { connectionString: string }) => PgClient
}

// bench/ is no workspace package and the root has no `pg`, so borrow the adapter's copy (the one
// postgresStorage drives). Once pg and @types/pg are root devDependencies this becomes an import.
const requireFromAdapter = createRequire(
  new URL('../../packages/adapters-postgres/package.json', import.meta.url),
)
const pg = requireFromAdapter('pg') as PgModule

/** Opens one connection, runs `work` on it, and always closes it. */
export async function withPgClient<T>(url: string, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  // A connection the server terminates (DROP DATABASE ... WITH (FORCE)) fails its query instead.
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}
