import type { AccessTokenEntity } from './entities.ts'
import { comparableEnvironment } from './environments.ts'
import { type ScopeSet, scopeSet } from './scopes.ts'

/**
 * An access token as the cache hands it out: the MSAL entity plus its fields already parsed, so
 * a cache hit allocates nothing and parses nothing.
 */
export interface CachedAccessToken {
  /** The MSAL cache key. */
  readonly key: string
  /** The entity as serialized (MSAL unified schema). */
  readonly entity: Readonly<AccessTokenEntity>
  /** The access token. */
  readonly secret: string
  /** `Bearer`. */
  readonly tokenType: string
  /** The granted scopes, normalized. `entity.target` keeps the provider's spelling. */
  readonly scopes: ScopeSet
  /** Epoch seconds. */
  readonly cachedAt: number
  /** Epoch seconds. */
  readonly expiresOn: number
  /** Epoch seconds; equals {@link CachedAccessToken.expiresOn} when the provider sent none. */
  readonly extendedExpiresOn: number
  /** Epoch seconds after which a refresh should be attempted while the token is still valid. */
  readonly refreshOn: number | undefined
}

/** Builds the record of an entity stored under `key`. */
export function accessTokenRecord(key: string, entity: AccessTokenEntity): CachedAccessToken {
  const expiresOn = Number(entity.expires_on)
  return Object.freeze({
    key,
    entity: Object.freeze(entity),
    secret: entity.secret,
    tokenType: entity.token_type ?? 'Bearer',
    scopes: scopeSet(entity.target.split(' ')),
    cachedAt: Number(entity.cached_at),
    expiresOn,
    extendedExpiresOn:
      entity.extended_expires_on === undefined ? expiresOn : Number(entity.extended_expires_on),
    refreshOn: entity.refresh_on === undefined ? undefined : Number(entity.refresh_on),
  })
}

/**
 * `<client_id>|<environment>|<realm>`, lowercased, the environment as compared (any alias of a
 * cloud, any port): the bucket an access token lives in.
 */
export function bucketKey(clientId: string, environment: string, realm: string): string {
  // An app asks for the same bucket request after request: the last key is kept.
  if (clientId === last.clientId && environment === last.environment && realm === last.realm) {
    return last.key
  }
  const key = `${clientId}|${comparableEnvironment(environment)}|${realm}`.toLowerCase()
  last = { clientId, environment, realm, key }
  return key
}

let last = { clientId: '', environment: '', realm: '', key: '' }

interface Bucket {
  /** Tokens by their exact normalized scope set: the common case is one lookup here. */
  readonly exact: Map<string, CachedAccessToken>
  /** Every token of the bucket, for the subset fallback scan. */
  readonly all: CachedAccessToken[]
}

/**
 * The access tokens of one partition, indexed by (client, environment, realm) and then by exact
 * scope set. A request for the same scope set as a cached token is two map lookups; a request for
 * a subset of a cached token's scopes scans only that bucket.
 */
export class AccessTokenIndex {
  readonly #buckets = new Map<string, Bucket>()

  /** Tokens of the bucket, or an empty list. */
  bucket(key: string): readonly CachedAccessToken[] {
    return this.#buckets.get(key)?.all ?? []
  }

  /**
   * The valid token for `scopes` in `bucket` that expires last, if any. `notBefore` is the epoch
   * second before which a token must not expire.
   */
  find(bucket: string, scopes: ScopeSet, notBefore: number): CachedAccessToken | undefined {
    const b = this.#buckets.get(bucket)
    if (b === undefined) return undefined
    const exact = b.exact.get(scopes.key)
    if (exact !== undefined && exact.expiresOn > notBefore) return exact
    let best: CachedAccessToken | undefined
    for (const token of b.all) {
      if (token.expiresOn > notBefore && token.scopes.contains(scopes)) {
        if (best === undefined || token.expiresOn > best.expiresOn) best = token
      }
    }
    return best
  }

  add(bucket: string, token: CachedAccessToken): void {
    let b = this.#buckets.get(bucket)
    if (b === undefined) {
      b = { exact: new Map(), all: [] }
      this.#buckets.set(bucket, b)
    }
    b.all.push(token)
    promote(b, token)
  }

  /** Removes the token stored under `key` from `bucket`; returns it. */
  remove(bucket: string, key: string): CachedAccessToken | undefined {
    const b = this.#buckets.get(bucket)
    if (b === undefined) return undefined
    const i = b.all.findIndex((t) => t.key === key)
    if (i < 0) return undefined
    const [token] = b.all.splice(i, 1) as [CachedAccessToken]
    if (b.exact.get(token.scopes.key) === token) {
      b.exact.delete(token.scopes.key)
      for (const other of b.all) if (other.scopes.key === token.scopes.key) promote(b, other)
    }
    if (b.all.length === 0) this.#buckets.delete(bucket)
    return token
  }

  /** Every token. */
  *all(): Generator<CachedAccessToken> {
    for (const b of this.#buckets.values()) yield* b.all
  }

  clear(): void {
    this.#buckets.clear()
  }
}

/** Makes `token` the exact-match answer for its scope set unless a longer-lived one is there. */
function promote(b: Bucket, token: CachedAccessToken): void {
  const current = b.exact.get(token.scopes.key)
  if (current === undefined || current.expiresOn <= token.expiresOn) {
    b.exact.set(token.scopes.key, token)
  }
}
