import { homedir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../errors.ts'
import type { CacheFileOptions } from './cache-file.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Where the file cache is when nothing says otherwise: `~/.idweb/cache.json`. */
export function defaultCachePath(env: Env = process.env) {
  return env.IDWEB_CACHE_FILE || join(homedir(), '.idweb', 'cache.json')
}

/**
 * The cache file options the environment sets: `IDWEB_CACHE_ENCRYPTION`,
 * `IDWEB_CACHE_REQUIRE_ENCRYPTION`, `IDWEB_CACHE_LOCK_TIMEOUT_MS` (unless `lockTimeoutMs` is
 * given), and the environment `secret-tool` runs in.
 */
export function cacheFileOptions(env: Env, lockTimeoutMs?: number): CacheFileOptions {
  return {
    requireEncryption: env.IDWEB_CACHE_REQUIRE_ENCRYPTION === '1',
    encryption: encryptionOf(env.IDWEB_CACHE_ENCRYPTION),
    env,
    timeoutMs: lockTimeoutMs ?? lockTimeoutOf(env.IDWEB_CACHE_LOCK_TIMEOUT_MS),
  }
}

/** `IDWEB_CACHE_LOCK_TIMEOUT_MS`: how long to wait for another process's lock (default 10 s). */
function lockTimeoutOf(value: string | undefined): number {
  if (value === undefined || value === '') return 10_000
  const ms = Number(value)
  if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) {
    throw new ConfigError('IDWEB_CACHE_LOCK_TIMEOUT_MS', `is "${value}": use 0 to 600000 ms.`)
  }
  return ms
}

/** `IDWEB_CACHE_ENCRYPTION`: `auto` (the default), `keyring` or `none`. */
function encryptionOf(value: string | undefined): 'auto' | 'keyring' | 'none' {
  if (value === undefined || value === '' || value === 'auto') return 'auto'
  if (value === 'keyring' || value === 'none') return value
  throw new ConfigError('IDWEB_CACHE_ENCRYPTION', `is "${value}": use auto, keyring or none.`)
}
