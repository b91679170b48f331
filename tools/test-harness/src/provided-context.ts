// What the global setups hand to test files through vitest's `provide`/`inject`.
declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string
    redisUrl: string
  }
}

export {}
