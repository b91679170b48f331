import type { Kysely, Transaction } from 'kysely'

/** Runs `work` in `db`'s transaction when it already is one, else in a new transaction. */
export function transact<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db)
  return db.transaction().execute((trx: Transaction<DB>) => work(trx))
}
