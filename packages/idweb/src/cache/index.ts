/**
 * The token cache: MSAL-schema entities in one partition per account, an in-process index (L1)
 * bounded by bytes, and sealed write-back to a shared store (L2).
 */
export type { CachedAccessToken } from './access-token-index.ts'
export {
  type AccessTokenEntity,
  type AccountEntity,
  type AppMetadataEntity,
  accountKey,
  appMetadataKey,
  CredentialType,
  credentialKey,
  type IdTokenEntity,
  type MsalCacheJson,
  type RefreshTokenEntity,
} from './entities.ts'
export type { CacheStats } from './internal.ts'
export { cacheKeysFromSecrets } from './key-ring.ts'
export {
  exportMsalCache,
  type ImportOptions,
  importMsalCache,
  type MsalImport,
} from './msal-import.ts'
export {
  type AccessTokenQuery,
  DEFAULT_MIN_LIFETIME_SECONDS,
  Partition,
  type PartitionOptions,
  type RefreshTokenQuery,
} from './partition.ts'
export { needsRefresh } from './refresh.ts'
export { ScopeSet, scopeSet } from './scopes.ts'
export { type CacheKey, Sealer } from './seal.ts'
export type { CacheStore } from './store.ts'
export type { RedisCredentials } from './stores/driver.ts'
export { FileStore, type FileStoreOptions } from './stores/file.ts'
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.ts'
export {
  LazyStore,
  type OpenStoreOptions,
  openStore,
  type StoreKind,
  storeKind,
} from './stores/open-store.ts'
export {
  type SqlDialect,
  type SqlRunner,
  type SqlStatement,
  SqlStore,
  type SqlStoreOptions,
} from './stores/sql-store.ts'
export { type FlushResult, TokenCache, type TokenCacheOptions } from './token-cache.ts'
export type { AccountToCache, TokenResponseToCache } from './token-response.ts'
