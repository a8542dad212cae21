/**
 * The Redis token cache store (`idweb/redis`), for code that builds it itself rather than by URL
 * (`Idweb.TokenCache.Store = redis://…`). Needs the optional peer `ioredis`: its types are part
 * of this entry point's, so they are kept out of the main one.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'idweb/redis'
 *
 * const store = new RedisStore(new Redis('redis://127.0.0.1:6379'))
 * ```
 *
 * @packageDocumentation
 */
export { type RedisClient, RedisStore, type RedisStoreOptions } from '../cache/stores/redis.ts'
export {
  type ConnectRedisOptions,
  connectRedisStore,
  type RedisCredentials,
} from '../cache/stores/redis-connect.ts'
