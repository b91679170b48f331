/** The second shard of the docs' runnable samples; see samples.ts. */
import { runShard } from './run-samples.js'

await runShard(1)
