import {
  AccessTokenIndex,
  accessTokenRecord,
  bucketKey,
  type CachedAccessToken,
} from './access-token-index.ts'
import {
  type AccessTokenEntity,
  type AccountEntity,
  type AppMetadataEntity,
  accountKey,
  appMetadataKey,
  type CacheEntity,
  credentialKey,
  type IdTokenEntity,
  type MsalCacheJson,
  type RefreshTokenEntity,
} from './entities.ts'
import { appMetadataByAlias, modifiedAt, newer, SourceKeys, sameSecret } from './entity-keys.ts'
import { comparableEnvironment } from './environments.ts'
import { newStats, type PartitionState, state } from './internal.ts'
import { PARTITION_BYTES, partitionBytes } from './partition-size.ts'
import { type ScopeSet, scopeSet } from './scopes.ts'
import { groupEntities, type ParsedCache, parseMsalJson, toMsalJson } from './serialization.ts'
import { entitiesToSave, type TokenResponseToCache } from './token-response.ts'

/** MSAL's default: a token expiring within five minutes is not served. */
export const DEFAULT_MIN_LIFETIME_SECONDS = 300

/** What {@link Partition.findAccessToken} looks for. */
export interface AccessTokenQuery {
  /** The client the token was issued to. */
  clientId: string
  /** The token issuer host, e.g. `login.microsoftonline.com`. */
  environment: string
  /** The tenant id. */
  realm: string
  /** Requested scopes; a cached token whose scopes include them all matches. */
  scopes: readonly string[] | ScopeSet
  /** A token expiring sooner than this is not served. Default 300. */
  minLifetimeSeconds?: number
  /** Epoch ms; default the partition's clock. */
  now?: number
}

/** What {@link Partition.findRefreshToken} looks for. */
export interface RefreshTokenQuery {
  /** The client the refresh token was issued to (or a member of its family). */
  clientId: string
  /** The token issuer host, e.g. `login.microsoftonline.com`. */
  environment: string
  /** The family (FOCI) id; the family's refresh token is preferred when given. */
  familyId?: string
}

/** Options of a {@link Partition}. */
export interface PartitionOptions {
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
  /**
   * Which of two copies of a credential with the same timestamps a deserialized JSON keeps: the
   * first (default), or the last, as in a file MSAL clients share, where a writer that keys the
   * credential its own way appends its copy after the one it left behind.
   */
  ties?: 'first' | 'last'
}

/**
 * The tokens of one partition (one account, one app+tenant, or one on-behalf-of assertion),
 * indexed in memory. Lookups are synchronous and allocation-free; changes set
 * {@link Partition.hasStateChanged} until the partition is serialized or written back.
 *
 * @example
 * ```ts
 * const p = await cache.partition(homeAccountId)
 * const at = p.findAccessToken({ clientId, environment, realm: tenantId, scopes: ['User.Read'] })
 * if (at) return at.secret
 * ```
 */
export class Partition {
  /** The partition key (any string: `oid.tid`, `app:<client>:<tenant>`, a hash...). */
  readonly key: string
  /** @internal */
  readonly [state]: PartitionState
  readonly #clock: () => number
  readonly #lastWinsTies: boolean
  /** Every entity by its MSAL key. Partitions are small: only access tokens need an index. */
  readonly #entities = new Map<string, CacheEntity>()
  readonly #atIndex = new AccessTokenIndex()
  readonly #sourceKeys = new SourceKeys()
  #changed = false
  #bytes = 0

  constructor(key: string, options: PartitionOptions = {}) {
    this.key = key
    this.#clock = options.clock ?? Date.now
    this.#lastWinsTies = options.ties === 'last'
    this[state] = {
      version: 0,
      snapshot: undefined,
      sealedAt: 0,
      usedAt: 0,
      stale: false,
      seq: 0,
      deleted: undefined,
      stats: newStats(),
      onChange: undefined,
      markClean: () => {
        this.#changed = false
      },
    }
    this.#bytes = PARTITION_BYTES + key.length
  }

  /** A partition holding the entities of `json` (MSAL unified schema). Throws `IDW_CACHE_CORRUPT`. */
  static deserialize(key: string, json: string, options: PartitionOptions = {}): Partition {
    const p = new Partition(key, options)
    p.deserialize(json)
    return p
  }

  /** Whether the partition changed since it was created, deserialized, serialized or written. */
  get hasStateChanged(): boolean {
    return this.#changed
  }

  /** Approximate memory held, in bytes (what the cache's `maxBytes` counts). */
  get byteSize(): number {
    return this.#bytes
  }

  /** Whether the partition holds nothing. */
  get isEmpty(): boolean {
    return this.#entities.size === 0
  }

  /**
   * The valid access token for `query`, or `undefined`. Matches client id, environment and realm
   * exactly (case-insensitive) and scopes as a subset (case-insensitive, OIDC scopes ignored);
   * among several matches, the one expiring last.
   */
  findAccessToken(query: AccessTokenQuery): CachedAccessToken | undefined {
    const scopes = scopeSet(query.scopes)
    const now = query.now ?? this.#clock()
    const notBefore = now / 1000 + (query.minLifetimeSeconds ?? DEFAULT_MIN_LIFETIME_SECONDS)
    const found =
      scopes.size === 0
        ? undefined
        : this.#atIndex.find(
            bucketKey(query.clientId, query.environment, query.realm),
            scopes,
            notBefore,
          )
    if (found === undefined) this[state].stats.misses++
    else this[state].stats.hits++
    return found
  }

  /** The refresh token for the client, or its family's when newer or the only one. */
  findRefreshToken(query: RefreshTokenQuery): RefreshTokenEntity | undefined {
    const env = comparableEnvironment(query.environment)
    const clientId = query.clientId.toLowerCase()
    const familyId = (
      query.familyId ?? this.appMetadata(query.clientId, query.environment)?.family_id
    )?.toLowerCase()
    let own: RefreshTokenEntity | undefined
    let family: RefreshTokenEntity | undefined
    for (const e of this.#entities.values()) {
      if (e.credential_type !== 'RefreshToken' || comparableEnvironment(e.environment) !== env) {
        continue
      }
      const rt = e as RefreshTokenEntity
      if (familyId && rt.family_id?.toLowerCase() === familyId) family = newer(family, rt)
      else if (rt.client_id.toLowerCase() === clientId) own = newer(own, rt)
    }
    return family && (own === undefined || modifiedAt(family) >= modifiedAt(own)) ? family : own
  }

  /** The ID token of the client in the tenant, or `undefined`. */
  findIdToken(query: { clientId: string; environment: string; realm: string }) {
    const want = bucketKey(query.clientId, query.environment, query.realm)
    for (const e of this.#entities.values()) {
      if (e.credential_type !== 'IdToken') continue
      const t = e as IdTokenEntity
      if (bucketKey(t.client_id, t.environment, t.realm) === want) return t
    }
    return undefined
  }

  /** The account (the home tenant's when there are several), or `undefined`. */
  account(): AccountEntity | undefined {
    const all = this.accounts()
    return all.find((a) => a.home_account_id.endsWith(`.${a.realm}`)) ?? all[0]
  }

  /** Every account of the partition (one per tenant the user signed in to). */
  accounts(): AccountEntity[] {
    return groupEntities(this.#entities.values()).accounts
  }

  /** Every access token of the partition. */
  accessTokens(): CachedAccessToken[] {
    return [...this.#atIndex.all()]
  }

  /** The app metadata of a client, which says whether it belongs to a family. */
  appMetadata(clientId: string, environment: string): AppMetadataEntity | undefined {
    const e = this.#entities.get(appMetadataKey({ client_id: clientId, environment }))
    if (e !== undefined) return e as AppMetadataEntity
    return appMetadataByAlias(this.#entities.values(), clientId, environment)
  }

  /**
   * Stores what a token endpoint answered, as MSAL does: the access token replaces cached tokens
   * of the same client, environment and realm whose scopes intersect its scopes; refresh token,
   * ID token, account and app metadata replace theirs. Returns the stored access token.
   *
   * @example
   * ```ts
   * p.saveTokenResponse({
   *   clientId, environment: 'login.microsoftonline.com', realm: tid,
   *   scopes: body.scope.split(' '), accessToken: body.access_token, expiresIn: body.expires_in,
   *   refreshToken: body.refresh_token, idToken: body.id_token,
   *   account: { homeAccountId: `${oid}.${tid}`, localAccountId: oid, username, name },
   * })
   * await cache.flush(p)
   * ```
   */
  saveTokenResponse(
    r: TokenResponseToCache,
    now: number = this.#clock(),
  ): CachedAccessToken | undefined {
    const e = entitiesToSave(r, this.#entities, Math.floor(now / 1000))
    if (e.account !== undefined) this.#entities.set(accountKey(e.account), e.account)
    if (e.idToken !== undefined) this.#entities.set(credentialKey(e.idToken), e.idToken)
    if (e.refreshToken !== undefined) {
      this.#entities.set(credentialKey(e.refreshToken), e.refreshToken)
    }
    this.#entities.set(appMetadataKey(e.appMetadata), e.appMetadata)
    const stored = e.accessToken && this.#putAccessToken(e.accessToken, false)
    this.#touch()
    return stored
  }

  /** Removes an access token (e.g. one the API rejected). */
  removeAccessToken(token: CachedAccessToken | string): void {
    const key = typeof token === 'string' ? token : token.key
    if (this.#dropAccessToken(key)) this.#forgot(key)
  }

  /** Removes a refresh token (e.g. after `invalid_grant`). */
  removeRefreshToken(token: RefreshTokenEntity): void {
    const key = credentialKey(token)
    if (this.#entities.get(key)?.credential_type !== 'RefreshToken') return
    this.#entities.delete(key)
    this.#forgot(key)
  }

  /** Removes everything; the partition stays usable (empty). */
  clear(): void {
    const at = this.#clock() / 1000
    for (const key of this.#entities.keys()) this.#deleted().set(key, at)
    this.#entities.clear()
    this.#sourceKeys.clear()
    this.#atIndex.clear()
    this.#touch()
  }

  /** The partition in MSAL's unified schema; `JSON.stringify(p)` uses it. Does not reset the flag. */
  toJSON(): MsalCacheJson {
    return toMsalJson(this.#keyed())
  }

  /**
   * Each entity under the key to write it with: the one it was read under (so the MSAL client
   * that wrote it replaces it in place rather than adding a second copy), else msal-node 7's form.
   */
  *#keyed(): Generator<[string, CacheEntity]> {
    for (const [key, entity] of this.#entities) yield [this.#sourceKeys.keyOf(key, entity), entity]
  }

  /** The partition as MSAL-schema JSON; clears {@link Partition.hasStateChanged}, as MSAL does. */
  serialize(): string {
    const json = JSON.stringify(this.toJSON())
    this.#changed = false
    return json
  }

  /** Replaces the content with `json` (MSAL unified schema). Throws `IDW_CACHE_CORRUPT`. */
  deserialize(json: string): void {
    const parsed = parseMsalJson(json)
    this.#entities.clear()
    this.#sourceKeys.clear()
    this.#atIndex.clear()
    this.#load(parsed, false, this.#lastWinsTies)
    this[state].deleted = undefined
    this.#changed = false
    this.#resize()
  }

  /**
   * Adds `other`'s entities that this partition lacks or holds an older copy of (by `cached_at`),
   * except those removed here after `other` stored them. Used to merge a concurrent writer's
   * state before writing back; the newer refresh token wins. With `ties: 'theirs'` (an import),
   * `other`'s copy also wins a tie: MSAL timestamps are whole seconds, and the cache a client
   * hands over after refreshing holds its newest tokens.
   */
  merge(other: Partition, ties: 'ours' | 'theirs' = 'ours'): void {
    this.#load(groupEntities(other.#entities.values()), true, ties === 'theirs')
    this.#touch()
  }

  #load(parsed: ParsedCache, onlyIfNewer: boolean, theirsOnTie = false): void {
    const deleted = this[state].deleted
    // The newer copy wins: over ours when merging, and when deserializing over another copy of
    // the same credential under a second key form (two MSAL libraries wrote it). Merging, what
    // was removed here after they stored it stays removed.
    const take = (key: string, theirs: CacheEntity) => {
      const mine = this.#entities.get(key)
      if (mine !== undefined && mine !== theirs) {
        const age = modifiedAt(theirs) - modifiedAt(mine)
        if (age < 0 || (age === 0 && (!theirsOnTie || sameSecret(mine, theirs)))) return false
      }
      const removedAt = onlyIfNewer ? deleted?.get(key) : undefined
      if (removedAt !== undefined && modifiedAt(theirs) <= removedAt) return false
      this.#sourceKeys.remember(key, theirs)
      return true
    }
    for (const a of parsed.accounts) {
      const k = accountKey(a)
      if (take(k, a)) this.#entities.set(k, a)
    }
    for (const t of [...parsed.idTokens, ...parsed.refreshTokens]) {
      const k = credentialKey(t)
      if (take(k, t)) this.#entities.set(k, t)
    }
    for (const m of parsed.appMetadata) {
      const k = appMetadataKey(m)
      if (!onlyIfNewer || !this.#entities.has(k)) this.#entities.set(k, m)
    }
    for (const t of parsed.accessTokens) {
      if (take(credentialKey(t), t)) this.#putAccessToken(t, onlyIfNewer, theirsOnTie)
    }
  }

  /** Adds an access token, replacing those of its bucket whose scopes intersect its scopes. */
  #putAccessToken(
    t: AccessTokenEntity,
    onlyIfNewest: boolean,
    theirsOnTie = false,
  ): CachedAccessToken | undefined {
    const record = accessTokenRecord(credentialKey(t), t)
    const bucket = bucketKey(t.client_id, t.environment, t.realm)
    const overlapping = this.#atIndex
      .bucket(bucket)
      .filter((o) => o.scopes.intersects(record.scopes))
    const outranks = (o: CachedAccessToken) =>
      o.cachedAt > record.cachedAt || (o.cachedAt === record.cachedAt && !theirsOnTie)
    if (onlyIfNewest && overlapping.some(outranks)) return undefined
    for (const o of overlapping) this.#dropAccessToken(o.key)
    this.#dropAccessToken(record.key)
    this.#entities.set(record.key, record.entity)
    this.#atIndex.add(bucket, record)
    return record
  }

  #dropAccessToken(key: string): boolean {
    const e = this.#entities.get(key)
    if (e === undefined || e.credential_type !== 'AccessToken') return false
    const t = e as AccessTokenEntity
    this.#entities.delete(key)
    this.#atIndex.remove(bucketKey(t.client_id, t.environment, t.realm), key)
    return true
  }

  #deleted(): Map<string, number> {
    this[state].deleted ??= new Map()
    return this[state].deleted
  }

  #forgot(key: string): void {
    this.#deleted().set(key, this.#clock() / 1000)
    this.#touch()
  }

  #touch(): void {
    this.#changed = true
    this[state].version++
    this.#resize()
  }

  #resize(): void {
    this.#bytes = partitionBytes(this.key, this.#entities)
    this[state].onChange?.(this.#bytes)
  }
}
