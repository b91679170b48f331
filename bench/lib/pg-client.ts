import pg from 'pg'

/** The subset of node-postgres' `Client` the bench needs for setup and checks. */
export interface PgClient {
  connect(): Promise<unknown>
  query<R extends object>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>
  end(): Promise<void>
  on(event: 'error', listener: (error: Error) => void): unknown
}

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
