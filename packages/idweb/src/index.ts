export type { CacheStore } from './cache/store.ts'
export * from './errors.ts'
