import { createHash, hkdfSync } from 'node:crypto'
import type { CacheKey } from './seal.ts'

/**
 * The cache key ring derived from secrets, newest first: one AES-256 key per secret through
 * HKDF-SHA256 (a label of its own, so the keys differ from the session cookie keys derived from
 * the same secrets), each named by a hash of itself. Every instance configured with the same
 * secrets derives the same ring, so they open each other's store entries; rotating is prepending
 * a new secret and dropping the old one once its entries expired.
 *
 * @example
 * ```ts
 * const keys = cacheKeysFromSecrets([process.env.CACHE_SECRET!])
 * const cache = new TokenCache({ store, keys })
 * ```
 */
export function cacheKeysFromSecrets(secrets: readonly string[]): CacheKey[] {
  return secrets.map((secret) => {
    const key = new Uint8Array(
      hkdfSync('sha256', secret, 'idweb token cache', 'idweb token cache key v1', 32),
    )
    return { id: createHash('sha256').update(key).digest('base64url').slice(0, 12), key }
  })
}
