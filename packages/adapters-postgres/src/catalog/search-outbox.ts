import { SEARCH_PRODUCT_TOPIC } from '@souk/core'
import { type RawBuilder, sql } from 'kysely'

/** The outbox topic the search indexer consumes (core's constant); the key is the product id. */
export { SEARCH_PRODUCT_TOPIC }

/**
 * Asks the search indexer to rebuild a product's document: run it in the transaction of every
 * write that changes what the document holds (product fields, prices, units sold, ratings).
 */
export function enqueueSearchSql(schema: string, productId: string, at: Date): RawBuilder<unknown> {
  return sql`insert into ${sql.id(schema, 'outbox')} (topic, key, payload, created_at, available_at)
    values (${SEARCH_PRODUCT_TOPIC}, ${productId}, '{}'::jsonb, ${at}, ${at})`
}
