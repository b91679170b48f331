import type { Migration } from 'kysely'
import { inventoryMigration } from './001-inventory.js'
import { commerceMigration } from './002-commerce.js'

/** Souk's migrations, in order. Names are permanent: never rename or reorder one that shipped. */
export function soukMigrations(schema: string): Record<string, Migration> {
  return {
    '001-inventory': inventoryMigration(schema),
    '002-commerce': commerceMigration(schema),
  }
}
