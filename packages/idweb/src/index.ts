export type { CacheStore } from './cache/store.ts'
export * from './errors.ts'
export { consoleLogger, type LogFields, type Logger, redactId, silentLogger } from './logger.ts'
