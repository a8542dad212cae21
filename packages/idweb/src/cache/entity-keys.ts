import {
  type AccountEntity,
  type AppMetadataEntity,
  accountKey,
  type CacheEntity,
  cachedAt,
  type RefreshTokenEntity,
} from './entities.ts'
import { comparableEnvironment } from './environments.ts'
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

/** MSAL Python's key for a refresh token that records its scopes: the entity key and `target`. */
function pythonRefreshTokenKey(key: string, entity: CacheEntity): string | undefined {
  const target = (entity as { target?: unknown }).target
  if (!('credential_type' in entity) || entity.credential_type !== 'RefreshToken') return undefined
  return typeof target === 'string' && target !== '' ? key + target.toLowerCase() : undefined
}

/**
 * The JSON key each entity of a partition was read under, where it differs from what idweb
 * writes and is a form an MSAL library writes for it: written back under it, the client that
 * wrote it replaces it in place rather than adding a second copy. Once a partition holds a
 * credential in MSAL Python's (and MSAL.NET's) form, new credentials take that form too: each
 * MSAL library updates only the keys it makes itself, so a token it refreshes under another
 * form would leave the old copy behind.
 */
export class SourceKeys {
  readonly #keys = new Map<string, string>()
  #pythonForm = false

  /**
   * Records the key `entity` (entity key `key`) was read under. Only the other forms MSAL writes
   * need remembering: without msal-node's scheme segment (`key` itself, MSAL Python's and
   * MSAL.NET's form), and MSAL Python's refresh-token key, which ends with the token's `target`.
   * Any other key is not this entity's and is not kept. An entity read from no JSON changes
   * nothing.
   */
  remember(key: string, entity: CacheEntity): void {
    const source = sourceKeyOf(entity)?.toLowerCase()
    if (source === undefined) return
    const own = source === key || source === pythonRefreshTokenKey(key, entity)
    if (own && source !== writeKey(key, entity)) {
      this.#keys.set(key, source)
      if ('credential_type' in entity) this.#pythonForm = true
    } else this.#keys.delete(key)
  }

  /** The JSON key to write the entity of entity key `key` under. */
  keyOf(key: string, entity: CacheEntity): string {
    const kept = this.#keys.get(key)
    if (kept !== undefined) return kept
    if (this.#pythonForm && 'credential_type' in entity) {
      return pythonRefreshTokenKey(key, entity) ?? key
    }
    return writeKey(key, entity)
  }

  clear(): void {
    this.#keys.clear()
    this.#pythonForm = false
  }
}

/** Whether two copies of a credential hold the same token (an unchanged copy never wins a tie). */
export function sameSecret(a: CacheEntity, b: CacheEntity): boolean {
  return 'secret' in a && 'secret' in b && a.secret === b.secret
}

/** The environments entities are recorded under. */
export function* environmentsOf(entities: Iterable<CacheEntity>): Generator<string> {
  for (const e of entities) if (e.environment) yield e.environment
}

/** Whether `entities` hold a credential with MSAL Python's `null` account (its app tokens). */
export function hasPythonAppTokens(entities: Iterable<CacheEntity>): boolean {
  for (const e of entities) {
    if ('credential_type' in e && (e as { home_account_id?: unknown }).home_account_id === null)
      return true
  }
  return false
}

/** The app metadata of `clientId` recorded under another alias of `environment`'s cloud (or without its port). */
export function appMetadataByAlias(
  entities: Iterable<CacheEntity>,
  clientId: string,
  environment: string,
): AppMetadataEntity | undefined {
  const env = comparableEnvironment(environment)
  const client = clientId.toLowerCase()
  for (const m of entities) {
    if ('credential_type' in m || 'local_account_id' in m) continue
    const meta = m as AppMetadataEntity
    if (meta.client_id.toLowerCase() === client && comparableEnvironment(meta.environment) === env)
      return meta
  }
  return undefined
}
