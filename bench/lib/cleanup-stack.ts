/** Steps that undo what a run created, run last-added first on success, error or Ctrl-C. */
export interface CleanupStack {
  add(step: () => Promise<void>): void
  /** Runs every step once, even when one fails; later calls wait for the first. */
  run(): Promise<void>
}

export function createCleanupStack(onStepError: (error: unknown) => void): CleanupStack {
  const steps: (() => Promise<void>)[] = []
  let running: Promise<void> | undefined
  return {
    add(step) {
      steps.push(step)
    },
    run() {
      running ??= (async () => {
        for (const step of steps.reverse()) {
          try {
            await step()
          } catch (error) {
            onStepError(error)
          }
        }
      })()
      return running
    },
  }
}
