import { randomBytes } from 'node:crypto'
import { withPgClient } from './pg-client.js'

/** The run's own database, dropped at the end so runs never see each other's rows. */
export interface BenchDatabase {
  readonly name: string
  readonly url: string
  create(): Promise<void>
  /** Drops the database once `create` has succeeded, closing connections still open to it. */
  drop(): Promise<void>
}

/** A `souk_bench_<random>` database on the server of `adminUrl`; register `drop` before `create`. */
export function benchDatabase(adminUrl: string): BenchDatabase {
  const name = `souk_bench_${randomBytes(5).toString('hex')}`
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  let created: Promise<void> | undefined
  let dropped: Promise<void> | undefined
  return {
    name,
    url: url.toString(),
    create() {
      created ??= withPgClient(adminUrl, async (admin) => {
        await admin.query(`CREATE DATABASE "${name}"`)
      })
      return created
    },
    drop() {
      // Waits for a CREATE still in flight (Ctrl-C right at the start) so it cannot outlive the run.
      dropped ??= (created ?? Promise.reject(new Error('never created'))).then(
        () =>
          withPgClient(adminUrl, async (admin) => {
            await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
          }),
        () => undefined,
      )
      return dropped
    },
  }
}
