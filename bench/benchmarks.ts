import { inventoryReservations } from './inventory-reservations.js'
import type { Benchmark } from './lib/benchmark.js'

/** Every benchmark `bench/run.ts` knows, in the order a full run takes them. */
export const benchmarks: readonly Benchmark[] = [inventoryReservations]
