/** A failure the bench explains in its message; `run.ts` prints it without a stack trace. */
export class BenchError extends Error {
  override readonly name = 'BenchError'
}
