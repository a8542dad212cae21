import { ConfigError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { CacheKey } from './seal.ts'
import type { CacheStore } from './store.ts'

/** Options of a {@link TokenCache}. */
export interface TokenCacheOptions {
  /** The shared store (L2). Without one, the cache lives in memory only. */
  store?: CacheStore
  /**
   * The key ring sealing store entries, newest first: entries are sealed with the first key and
   * opened with whichever key they name. Required with a store.
   */
  keys?: readonly CacheKey[]
  /**
   * Memory bound of the in-process index (L1), in bytes. Default 256 MiB. 0 turns L1 off (with a
   * store): every call reads the store, as Identity.Web's `DisableL1Cache`.
   */
  maxBytes?: number
  /** How long a store call may take before it counts as a miss. Default 250 ms. */
  storeTimeoutMs?: number
  /**
   * Sliding lifetime of store entries. Default 90 days (a refresh token's). Every write renews
   * it, and so does use: a partition served more than a tenth of this after it was last written
   * is written again in the background, so an account used at least once per lifetime never
   * expires, with no store call on the other hits.
   */
  storeTtlSeconds?: number
  /** Prefix of store keys. Default `idweb:tc:`. */
  storeKeyPrefix?: string
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
}

/** What {@link TokenCache.flush} did. */
export type FlushResult =
  /** Nothing had changed. */
  | 'clean'
  /** Written to the store (after merging a concurrent writer's state, if any). */
  | 'written'
  /** No store: the partition lives in memory only. */
  | 'memory'
  /** The partition was removed since it was loaded; nothing written. */
  | 'removed'
  /** The store failed or kept losing races; the partition stays changed and is logged. */
  | 'failed'

/** The numeric options with their defaults, each checked: a bad one names itself. */
export function checkedOptions(options: TokenCacheOptions) {
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024
  const timeoutMs = options.storeTimeoutMs ?? 250
  const ttlSeconds = options.storeTtlSeconds ?? 90 * 24 * 3600
  if (!(maxBytes >= 0)) throw new ConfigError('cache.maxBytes', 'must be 0 (no L1) or more')
  for (const [name, value] of [
    ['storeTimeoutMs', timeoutMs],
    ['storeTtlSeconds', ttlSeconds],
  ] as const) {
    if (!(value > 0)) throw new ConfigError(`cache.${name}`, 'must be a positive number')
  }
  return { maxBytes, timeoutMs, ttlSeconds, prefix: options.storeKeyPrefix ?? 'idweb:tc:' }
}
