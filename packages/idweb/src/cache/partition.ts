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
  cachedAt,
  credentialKey,
  type IdTokenEntity,
  type MsalCacheJson,
  type RefreshTokenEntity,
} from './entities.ts'
import { newStats, type PartitionState, state } from './internal.ts'
import { type ScopeSet, scopeSet } from './scopes.ts'
import { type ParsedCache, parseMsalJson, toMsalJson } from './serialization.ts'
import type { TokenResponseToCache } from './token-response.ts'

/** MSAL's default: a token expiring within five minutes is not served. */
export const DEFAULT_MIN_LIFETIME_SECONDS = 300

/** What {@link Partition.findAccessToken} looks for. */
export interface AccessTokenQuery {
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
  clientId: string
  environment: string
  /** The family (FOCI) id; the family's refresh token is preferred when given. */
  familyId?: string
}

/** Options of a {@link Partition}. */
export interface PartitionOptions {
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
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
  readonly #accounts = new Map<string, AccountEntity>()
  readonly #idTokens = new Map<string, IdTokenEntity>()
  readonly #idTokenBy = new Map<string, IdTokenEntity>()
  readonly #accessTokens = new Map<string, CachedAccessToken>()
  readonly #atIndex = new AccessTokenIndex()
  readonly #refreshTokens = new Map<string, RefreshTokenEntity>()
  readonly #rtByClient = new Map<string, RefreshTokenEntity>()
  readonly #rtByFamily = new Map<string, RefreshTokenEntity>()
  readonly #appMetadata = new Map<string, AppMetadataEntity>()
  #changed = false
  #bytes = 0

  constructor(key: string, options: PartitionOptions = {}) {
    this.key = key
    this.#clock = options.clock ?? Date.now
    this[state] = {
      version: 0,
      snapshot: undefined,
      seq: 0,
      deleted: new Map(),
      stats: newStats(),
      onChange: undefined,
      markClean: () => {
        this.#changed = false
      },
    }
    this.#bytes = 256 + key.length
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
    return (
      this.#accounts.size +
        this.#idTokens.size +
        this.#accessTokens.size +
        this.#refreshTokens.size +
        this.#appMetadata.size ===
      0
    )
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

  /** The refresh token for the client (or its family), or `undefined`. */
  findRefreshToken(query: RefreshTokenQuery): RefreshTokenEntity | undefined {
    const env = query.environment.toLowerCase()
    const client = this.#rtByClient.get(`${env}|${query.clientId.toLowerCase()}`)
    const familyId =
      query.familyId ??
      this.#appMetadata.get(appMetadataKey({ environment: env, client_id: query.clientId }))
        ?.family_id
    if (familyId) {
      const family = this.#rtByFamily.get(`${env}|${familyId.toLowerCase()}`)
      if (family !== undefined && (client === undefined || cachedAt(family) >= cachedAt(client))) {
        return family
      }
    }
    return client
  }

  /** The ID token of the client in the tenant, or `undefined`. */
  findIdToken(query: { clientId: string; environment: string; realm: string }) {
    return this.#idTokenBy.get(bucketKey(query.clientId, query.environment, query.realm))
  }

  /** The account (the home tenant's when there are several), or `undefined`. */
  account(): AccountEntity | undefined {
    let first: AccountEntity | undefined
    for (const a of this.#accounts.values()) {
      if (a.home_account_id.endsWith(`.${a.realm}`)) return a
      first ??= a
    }
    return first
  }

  /** Every account of the partition (one per tenant the user signed in to). */
  accounts(): AccountEntity[] {
    return [...this.#accounts.values()]
  }

  /** Every access token of the partition. */
  accessTokens(): CachedAccessToken[] {
    return [...this.#accessTokens.values()]
  }

  /** The app metadata of a client, which says whether it belongs to a family. */
  appMetadata(clientId: string, environment: string): AppMetadataEntity | undefined {
    return this.#appMetadata.get(appMetadataKey({ client_id: clientId, environment }))
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
    const nowS = String(Math.floor(now / 1000))
    const home = r.account?.homeAccountId ?? r.homeAccountId ?? ''
    const base = { home_account_id: home, environment: r.environment, client_id: r.clientId }
    if (r.account !== undefined) {
      const a: AccountEntity = {
        home_account_id: home,
        environment: r.environment,
        realm: r.realm,
        local_account_id: r.account.localAccountId,
        username: r.account.username,
        authority_type: r.account.authorityType ?? 'MSSTS',
        last_modification_time: nowS,
      }
      if (r.account.name !== undefined) a.name = r.account.name
      if (r.account.clientInfo !== undefined) a.client_info = r.account.clientInfo
      this.#putAccount(a)
    }
    if (r.idToken !== undefined) {
      this.#putIdToken({
        ...base,
        credential_type: 'IdToken',
        secret: r.idToken,
        realm: r.realm,
        cached_at: nowS,
      })
    }
    if (r.refreshToken !== undefined) {
      const rt: RefreshTokenEntity = {
        ...base,
        credential_type: 'RefreshToken',
        secret: r.refreshToken,
        cached_at: nowS,
      }
      if (r.familyId) rt.family_id = r.familyId
      this.#putRefreshToken(rt)
    }
    const meta: AppMetadataEntity = { client_id: r.clientId, environment: r.environment }
    if (r.familyId) meta.family_id = r.familyId
    this.#appMetadata.set(appMetadataKey(meta), meta)
    let stored: CachedAccessToken | undefined
    if (r.accessToken !== undefined) {
      const expiresIn = Math.max(0, Math.floor(r.expiresIn ?? 3600))
      const at: AccessTokenEntity = {
        ...base,
        credential_type: 'AccessToken',
        secret: r.accessToken,
        realm: r.realm,
        target: [...new Set(r.scopes.flatMap((s) => s.split(/\s+/)).filter(Boolean))].join(' '),
        cached_at: nowS,
        expires_on: String(Number(nowS) + expiresIn),
        extended_expires_on: String(Number(nowS) + Math.floor(r.extExpiresIn ?? expiresIn)),
        token_type: r.tokenType ?? 'Bearer',
      }
      // MSAL .NET's rule: tokens living two hours or more are refreshed at half-life.
      const refreshIn = r.refreshIn ?? (expiresIn >= 7200 ? Math.floor(expiresIn / 2) : undefined)
      if (refreshIn !== undefined) at.refresh_on = String(Number(nowS) + Math.floor(refreshIn))
      stored = this.#putAccessToken(at, false)
    }
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
    if (this.#dropRefreshToken(key)) this.#forgot(key)
  }

  /** Removes everything; the partition stays usable (empty). */
  clear(): void {
    for (const key of this.#allKeys()) this[state].deleted.set(key, this.#clock() / 1000)
    this.#reset()
    this.#touch()
  }

  /** The partition in MSAL's unified schema; `JSON.stringify(p)` uses it. Does not reset the flag. */
  toJSON(): MsalCacheJson {
    return toMsalJson({
      accounts: this.#accounts,
      idTokens: this.#idTokens,
      accessTokens: [...this.#accessTokens].map(([k, t]) => [k, t.entity as AccessTokenEntity]),
      refreshTokens: this.#refreshTokens,
      appMetadata: this.#appMetadata,
    })
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
    this.#reset()
    this.#load(parsed, false)
    this[state].deleted.clear()
    this.#changed = false
    this.#resize()
  }

  /**
   * Adds `other`'s entities that this partition lacks or holds an older copy of (by `cached_at`),
   * except those removed here after `other` stored them. Used to merge a concurrent writer's
   * state before writing back; the newer refresh token wins.
   */
  merge(other: Partition): void {
    this.#load(
      {
        accounts: other.accounts(),
        idTokens: [...other.#idTokens.values()],
        accessTokens: [...other.#accessTokens.values()].map((t) => t.entity as AccessTokenEntity),
        refreshTokens: [...other.#refreshTokens.values()],
        appMetadata: [...other.#appMetadata.values()],
      },
      true,
    )
    this.#touch()
  }

  #load(parsed: ParsedCache, onlyIfNewer: boolean): void {
    const deleted = this[state].deleted
    const keep = (
      key: string,
      entity: { cached_at?: unknown },
      mine: { cached_at?: unknown } | undefined,
    ) => {
      if (!onlyIfNewer) return true
      const removedAt = deleted.get(key)
      if (removedAt !== undefined && cachedAt(entity) <= removedAt) return false
      return mine === undefined || cachedAt(entity) > cachedAt(mine)
    }
    for (const a of parsed.accounts) {
      const k = accountKey(a)
      const mine = this.#accounts.get(k)
      const time = (e: AccountEntity | undefined) => ({ cached_at: e?.last_modification_time })
      if (keep(k, time(a), mine && time(mine))) this.#putAccount(a)
    }
    for (const t of parsed.idTokens) {
      const k = credentialKey(t)
      if (keep(k, t, this.#idTokens.get(k))) this.#putIdToken(t)
    }
    for (const t of parsed.refreshTokens) {
      const k = credentialKey(t)
      if (keep(k, t, this.#refreshTokens.get(k))) this.#putRefreshToken(t)
    }
    for (const m of parsed.appMetadata) {
      const k = appMetadataKey(m)
      if (!onlyIfNewer || !this.#appMetadata.has(k)) this.#appMetadata.set(k, m)
    }
    for (const t of parsed.accessTokens) {
      const k = credentialKey(t)
      if (keep(k, t, this.#accessTokens.get(k)?.entity)) this.#putAccessToken(t, onlyIfNewer)
    }
  }

  #putAccount(a: AccountEntity): void {
    this.#accounts.set(accountKey(a), a)
  }

  #putIdToken(t: IdTokenEntity): void {
    this.#idTokens.set(credentialKey(t), t)
    this.#idTokenBy.set(bucketKey(t.client_id, t.environment, t.realm), t)
  }

  #putRefreshToken(t: RefreshTokenEntity): void {
    const key = credentialKey(t)
    this.#dropRefreshToken(key)
    this.#refreshTokens.set(key, t)
    const env = t.environment.toLowerCase()
    this.#rtByClient.set(`${env}|${t.client_id.toLowerCase()}`, t)
    if (t.family_id) this.#rtByFamily.set(`${env}|${t.family_id.toLowerCase()}`, t)
  }

  /** Adds an access token, replacing those of its bucket whose scopes intersect its scopes. */
  #putAccessToken(t: AccessTokenEntity, onlyIfNewest: boolean): CachedAccessToken | undefined {
    const record = accessTokenRecord(credentialKey(t), t)
    const bucket = bucketKey(t.client_id, t.environment, t.realm)
    const overlapping = this.#atIndex
      .bucket(bucket)
      .filter((o) => o.scopes.intersects(record.scopes))
    if (onlyIfNewest && overlapping.some((o) => o.cachedAt >= record.cachedAt)) return undefined
    for (const o of overlapping) this.#dropAccessToken(o.key)
    this.#dropAccessToken(record.key)
    this.#accessTokens.set(record.key, record)
    this.#atIndex.add(bucket, record)
    return record
  }

  #dropAccessToken(key: string): boolean {
    const t = this.#accessTokens.get(key)
    if (t === undefined) return false
    this.#accessTokens.delete(key)
    this.#atIndex.remove(bucketKey(t.entity.client_id, t.entity.environment, t.entity.realm), t)
    return true
  }

  #dropRefreshToken(key: string): boolean {
    const t = this.#refreshTokens.get(key)
    if (t === undefined) return false
    this.#refreshTokens.delete(key)
    const env = t.environment.toLowerCase()
    const byClient = `${env}|${t.client_id.toLowerCase()}`
    if (this.#rtByClient.get(byClient) === t) this.#rtByClient.delete(byClient)
    const byFamily = `${env}|${(t.family_id ?? '').toLowerCase()}`
    if (this.#rtByFamily.get(byFamily) === t) this.#rtByFamily.delete(byFamily)
    return true
  }

  #forgot(key: string): void {
    this[state].deleted.set(key, this.#clock() / 1000)
    this.#touch()
  }

  *#allKeys(): Generator<string> {
    yield* this.#accounts.keys()
    yield* this.#idTokens.keys()
    yield* this.#accessTokens.keys()
    yield* this.#refreshTokens.keys()
  }

  #reset(): void {
    this.#accounts.clear()
    this.#idTokens.clear()
    this.#idTokenBy.clear()
    this.#accessTokens.clear()
    this.#atIndex.clear()
    this.#refreshTokens.clear()
    this.#rtByClient.clear()
    this.#rtByFamily.clear()
    this.#appMetadata.clear()
  }

  #touch(): void {
    this.#changed = true
    this[state].version++
    this.#resize()
  }

  #resize(): void {
    let bytes = 256 + this.key.length
    for (const map of [this.#accounts, this.#idTokens, this.#refreshTokens, this.#appMetadata]) {
      for (const e of map.values()) bytes += entityBytes(e) + 48
    }
    for (const t of this.#accessTokens.values()) bytes += entityBytes(t.entity) + 320
    this.#bytes = bytes
    this[state].onChange?.(bytes)
  }
}

/** A rough size of an entity: its field names and string values, plus object overhead. */
function entityBytes(entity: object): number {
  let n = 64
  for (const [k, v] of Object.entries(entity)) {
    n += 16 + k.length + (typeof v === 'string' ? v.length : 16)
  }
  return n
}
