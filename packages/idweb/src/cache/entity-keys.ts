import {
  type AccountEntity,
  accountKey,
  type CacheEntity,
  cachedAt,
  type RefreshTokenEntity,
} from './entities.ts'
import { sourceKeyOf } from './serialization.ts'

/**
 * The key idweb writes an entity under: msal-node 7's form, which ends credentials with the
 * token scheme (empty for Bearer) and names accounts by their home tenant. MSAL Python and
 * MSAL.NET read it as well; they write the form without the scheme, kept when read.
 */
export function writeKey(key: string, entity: CacheEntity): string {
  if ('credential_type' in entity && typeof entity.credential_type === 'string') return `${key}-`
  if ('local_account_id' in entity) {
    const a = entity as AccountEntity
    const homeTenant = a.home_account_id.split('.')[1]
    return homeTenant ? accountKey({ ...a, realm: homeTenant }) : key
  }
  return key
}

/**
 * When an entity was written: the later of `cached_at` (idweb, and MSAL on access tokens) and
 * `last_modification_time` (MSAL Python and msal-node on other entities).
 */
export function modifiedAt(e: CacheEntity): number {
  return Math.max(
    cachedAt(e as { cached_at?: unknown }),
    cachedAt({ cached_at: (e as { last_modification_time?: unknown }).last_modification_time }),
  )
}

export function newer(
  a: RefreshTokenEntity | undefined,
  b: RefreshTokenEntity,
): RefreshTokenEntity {
  return a === undefined || modifiedAt(b) > modifiedAt(a) ? b : a
}

/**
 * The JSON key each entity of a partition was read under, where it differs from what idweb
 * writes and is a form an MSAL library writes for it: written back under it, the client that
 * wrote it replaces it in place rather than adding a second copy.
 */
export class SourceKeys {
  readonly #keys = new Map<string, string>()

  /**
   * Records the key `entity` (entity key `key`) was read under. Only the other form MSAL writes
   * (without msal-node's scheme segment, which is `key` itself) needs remembering; any other key
   * is not this entity's and is not kept. An entity read from no JSON changes nothing.
   */
  remember(key: string, entity: CacheEntity): void {
    const source = sourceKeyOf(entity)?.toLowerCase()
    if (source === undefined) return
    if (source === key && key !== writeKey(key, entity)) this.#keys.set(key, source)
    else this.#keys.delete(key)
  }

  /** The JSON key to write the entity of entity key `key` under. */
  keyOf(key: string, entity: CacheEntity): string {
    return this.#keys.get(key) ?? writeKey(key, entity)
  }

  clear(): void {
    this.#keys.clear()
  }
}
