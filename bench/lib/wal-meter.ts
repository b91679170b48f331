import { withPgClient } from './pg-client.js'

/**
 * Measures WAL written between `start()` and `stop()` on the server of `url`, in bytes. WAL is
 * server-wide: anything else writing meanwhile is counted too, so it is only meaningful on a quiet
 * server (the figure is printed beside the load average).
 */
export async function startWalMeter(url: string): Promise<{ stop(): Promise<number> }> {
  const lsn = () =>
    withPgClient(url, async (client) => {
      const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
      return rows[0]!.lsn
    })
  const from = await lsn()
  return {
    async stop() {
      const to = await lsn()
      return withPgClient(url, async (client) => {
        const { rows } = await client.query<{ bytes: string }>(
          'SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS bytes',
          [to, from],
        )
        return Number(rows[0]!.bytes)
      })
    },
  }
}
