import { type Kysely, sql } from 'kysely'

/** Checkout: the provider's full payment snapshot beside the summary columns. */
export function checkoutMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.payments ADD COLUMN state jsonb NOT NULL DEFAULT '{}';
ALTER TABLE ${s}.payments ALTER COLUMN provider_payment_id SET NOT NULL;
`)
        .execute(db)
    },
  }
}
