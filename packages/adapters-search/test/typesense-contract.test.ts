import { searchIndexSuite } from '@souk/core/testing'
import { Client } from 'typesense'
import { afterAll, describe, it } from 'vitest'
import { typesenseSearch } from '../src/typesense-search.js'

/**
 * The search contract against a live Typesense. No Typesense server can be installed on Souk's
 * development machines, so this runs only where TYPESENSE_URL (and TYPESENSE_API_KEY) point at
 * one; elsewhere it is reported as skipped under a name that says why, never as passed.
 */
const url = process.env.TYPESENSE_URL
const collection = `souk_contract_${Date.now().toString(36)}`

describe.skipIf(!url)('Typesense search contract (requires TYPESENSE_URL)', () => {
  const client = new Client({
    nodes: [{ url: url ?? 'http://127.0.0.1:8108' }],
    apiKey: process.env.TYPESENSE_API_KEY ?? 'xyz',
    connectionTimeoutSeconds: 10,
    logLevel: 'warn',
  })
  const index = typesenseSearch({ client, collection })

  afterAll(async () => {
    await client
      .collections(collection)
      .delete()
      .catch(() => undefined)
    await client
      .synonymSets(`${collection}_synonyms`)
      .delete()
      .catch(() => undefined)
  })

  searchIndexSuite({ describe, it }, async () => ({ index }))
})
