import { createHash } from 'node:crypto'
import { tenantOfToken } from '../authority/tenant.ts'
import type { CachedAccessToken } from '../cache/access-token-index.ts'
import type { Partition } from '../cache/partition.ts'
import type { TokenCache } from '../cache/token-cache.ts'
import type { TokenResponseToCache } from '../cache/token-response.ts'
import { InteractionRequiredError } from '../errors.ts'
import { type Logger, redactId, silentLogger } from '../logger.ts'
import type { ProtocolContext } from '../protocol/context.ts'
import { clientCredentialsGrant, onBehalfOfGrant, refreshGrant } from '../protocol/grants.ts'
import type { TokenResult } from '../protocol/tokens.ts'
import { cachedToken, cacheEntry } from './cache-entry.ts'
import { KeyedMutex } from './keyed-mutex.ts'
import { type CachedSignIn, signInAccount } from './sign-in-account.ts'

/** The signed-in account a user token is acquired for. Kept in the session. */
export interface UserAccount {
  /** MSAL home account id (`oid.tid` for Entra): the account's cache partition. */
  homeAccountId: string
  /** The tenant the account's tokens are cached under (`tid`; empty for generic providers). */
  realm: string
  /** Issuer and subject of the ID token: a refreshed ID token must name the same user. */
  iss: string
  /** The ID token's `sub`, with `iss` the user's identity across refreshes. */
  sub: string
  /** The sign-in name (`preferred_username`), for logs and account pickers. */
  username?: string | undefined
  /**
   * The cache partition holding the account's tokens. Default `homeAccountId` (one per account);
   * with the session token cache, one per session.
   */
  partitionKey?: string | undefined
}

/**
 * An access token ready to send. Answers served from the cache are shared and frozen: treat them,
 * `expiresOn` included, as read-only.
 */
export interface AcquiredToken {
  /** The token, to send as `Authorization: <tokenType> <accessToken>`. */
  accessToken: string
  /** The scheme, `Bearer` unless the provider said otherwise. */
  tokenType: string
  /** When the token expires. */
  expiresOn: Date
  /** The scopes the token carries. */
  scopes: readonly string[]
  /** Whether it came from the cache (no provider call). */
  fromCache: boolean
}

/** Options of a user-token request. */
export interface UserTokenOptions {
  /** A claims challenge (JSON) to satisfy: skips the cache and asks the provider. */
  claims?: string | undefined
  /** Skip the cache and refresh. */
  forceRefresh?: boolean | undefined
}

/** Options of {@link TokenAcquirer}. */
export interface TokenAcquirerOptions {
  /** The token cache tokens are read from and written to. */
  cache: TokenCache
  /**
   * Where on-behalf-of tokens go, one partition per incoming token (by its SHA-256). Default
   * `cache`. A web API receives a new incoming token for every caller and every hour, so give them
   * a cache of their own, bounded apart from users' tokens: `createIdweb` and `createDaemon` do
   * (`Idweb.TokenCache.OnBehalfOfMemoryBytes`, `Idweb.TokenCache.OnBehalfOfSlidingSeconds`).
   */
  onBehalfOfCache?: TokenCache | undefined
  /** The provider context, discovered lazily (once) by the caller. */
  /** The configured authority's, or another tenant's of the same cloud (Entra). */
  protocol: (tenant?: string) => Promise<ProtocolContext>
  /** The Application (client) ID tokens are requested for. */
  clientId: string
  /** The cache `environment` (the authority host). */
  environment: string
  /** MSAL `authority_type` of accounts: `MSSTS` for Entra, `Generic` otherwise. */
  authorityType: string
  /** Tokens expiring sooner than this are refreshed before use. Default 300. */
  refreshWindowSeconds?: number
  /**
   * How long one refresh may hold the shared store's lock, and how long others wait for it, in
   * ms: longer than a provider call. Default 15,000.
   */
  lockTtlMs?: number
  /** The tenant app-only tokens are cached under when none is given. */
  defaultTenant?: string | undefined
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
  /** Epoch ms. */
  clock?: () => number
}

/**
 * Acquires tokens: for the signed-in user (silently from the cache, else with the refresh token),
 * for the app itself (client credentials), and on behalf of a caller of a protected API.
 *
 * A cache hit is two map lookups. A miss takes the account's lock (in process, and the shared
 * store's when there is one), looks again (another caller, or another instance, may just have
 * refreshed), and only then calls the provider, so concurrent callers share one refresh.
 * When only the user can help (no cached account, consent missing, refresh token revoked), the
 * call raises {@link InteractionRequiredError} with the scopes to re-challenge for.
 *
 * @example
 * ```ts
 * const token = await acquirer.getTokenForUser(['User.Read'], session.account)
 * await fetch('https://graph.microsoft.com/v1.0/me', {
 *   headers: { authorization: `Bearer ${token.accessToken}` },
 * })
 * ```
 */
export class TokenAcquirer {
  readonly #o: Required<Omit<TokenAcquirerOptions, 'defaultTenant' | 'onBehalfOfCache'>> & {
    defaultTenant?: string
  }
  readonly #oboCache: TokenCache
  readonly #mutex = new KeyedMutex()

  constructor(options: TokenAcquirerOptions) {
    this.#o = {
      refreshWindowSeconds: 300,
      lockTtlMs: 15_000,
      logger: silentLogger,
      clock: Date.now,
      ...options,
    } as Required<Omit<TokenAcquirerOptions, 'defaultTenant' | 'onBehalfOfCache'>> & {
      defaultTenant?: string
    }
    this.#oboCache = options.onBehalfOfCache ?? options.cache
  }

  /** A token for the signed-in `account` carrying `scopes`. */
  getTokenForUser(
    scopes: readonly string[],
    account: UserAccount,
    options: UserTokenOptions = {},
  ): Promise<AcquiredToken> {
    const useCache = usesCache(options)
    const key = account.partitionKey ?? account.homeAccountId
    return this.#acquire(key, account.realm, scopes, useCache, this.#o.cache, async (p) => {
      if (p.account() === undefined) {
        throw new InteractionRequiredError('no_account', scopes, {
          cause: new Error('the account has no cached tokens (restart, eviction or sign-out)'),
        })
      }
      const rt = p.findRefreshToken({
        clientId: this.#o.clientId,
        environment: this.#o.environment,
      })
      if (!rt) throw new InteractionRequiredError('no_refresh_token', scopes)
      const ctx = await this.#o.protocol()
      const logged = { account: redactId(account.homeAccountId) }
      this.#o.logger.debug('refreshing a user token', logged)
      const result = await refreshGrant(ctx, {
        refreshToken: rt.secret,
        scopes,
        claims: options.claims,
        subject: { iss: account.iss, sub: account.sub },
      }).catch((err: unknown) => {
        if (err instanceof InteractionRequiredError) {
          this.#o.logger.info('user interaction required', { ...logged, reason: err.reason })
        }
        throw err
      })
      // The tokens stay the account's: MSAL clients sharing the cache look them up by it.
      const entry = {
        ...this.#toCache(result, account.realm),
        homeAccountId: account.homeAccountId,
      }
      return { result, entry }
    })
  }

  /**
   * The token {@link TokenAcquirer.getTokenForUser} would answer from memory, without waiting:
   * the account's partition is held and has an access token for `scopes` that lives beyond the
   * refresh window. `undefined` otherwise (not held, flagged stale, no such token, or `options`
   * that skip the cache): then ask `getTokenForUser`, which also reads the store and refreshes.
   */
  cachedTokenForUser(
    scopes: readonly string[],
    account: UserAccount,
    options?: UserTokenOptions,
  ): AcquiredToken | undefined {
    if (!usesCache(options)) return undefined
    const p = this.#o.cache.partitionNow(account.partitionKey ?? account.homeAccountId)
    return p === undefined ? undefined : this.#find(p, account.realm, scopes)
  }

  /**
   * An app-only token (client credentials), e.g. for `api://{app}/.default`. With `tenant`, in
   * that tenant (a customer's, for a multi-tenant app): asked of its authority on the configured
   * Entra cloud, and cached under it.
   */
  getTokenForApp(
    scopes: readonly string[],
    options: { tenant?: string; forceRefresh?: boolean } = {},
  ): Promise<AcquiredToken> {
    const realm = options.tenant ?? this.#o.defaultTenant ?? ''
    const key = `app:${this.#o.clientId}:${realm}`
    return this.#acquire(key, realm, scopes, !options.forceRefresh, this.#o.cache, async () => {
      // In the tenant asked for (a customer's), not the configured one: cached under it too.
      const ctx = await this.#o.protocol(options.tenant)
      const result = await clientCredentialsGrant(ctx, scopes)
      return { result, entry: this.#toCache(result, realm) }
    })
  }

  /**
   * A token for a downstream API on behalf of the user whose access token (`userToken`) this API
   * received. Cached per incoming token (by hash), so repeated calls with one token are hits.
   */
  getTokenOnBehalfOf(
    userToken: string,
    scopes: readonly string[],
    realm = '',
    options: { forceRefresh?: boolean | undefined } = {},
  ): Promise<AcquiredToken> {
    const key = `obo:${createHash('sha256').update(userToken).digest('base64url')}`
    const useCache = !options.forceRefresh
    // A multi-tenant API exchanges in its caller's tenant, as Entra requires (the provider
    // checks the token; its tid only routes the request).
    const tenant = this.#o.defaultTenant === undefined ? tenantOfToken(userToken) : undefined
    return this.#acquire(key, realm, scopes, useCache, this.#oboCache, async (p) => {
      const ctx = await this.#o.protocol(tenant)
      const rt = p.findRefreshToken({
        clientId: this.#o.clientId,
        environment: this.#o.environment,
      })
      // A cached on-behalf-of refresh token saves an exchange; if it no longer works, exchange again.
      const result = rt
        ? await refreshGrant(ctx, { refreshToken: rt.secret, scopes }).catch(() =>
            onBehalfOfGrant(ctx, userToken, scopes),
          )
        : await onBehalfOfGrant(ctx, userToken, scopes)
      return {
        result,
        entry: { ...this.#toCache(result, realm), homeAccountId: key, account: undefined },
      }
    })
  }

  /**
   * The one acquisition protocol: answer from partition `key` when `useCache` allows, else take the
   * key's lock and look again (a concurrent caller may just have stored the token), and only then
   * `obtain` one from the provider, store it and write the partition back. So concurrent callers of
   * one account share a single provider call.
   */
  async #acquire(
    key: string,
    realm: string,
    scopes: readonly string[],
    useCache: boolean,
    cache: TokenCache,
    obtain: (p: Partition) => Promise<{ result: TokenResult; entry: TokenResponseToCache }>,
  ): Promise<AcquiredToken> {
    if (useCache) {
      const hit = this.#find(cache.partitionNow(key) ?? (await cache.partition(key)), realm, scopes)
      if (hit) return hit
    }
    return this.#mutex.run(key, async () => {
      const p = await cache.partition(key)
      let hit = useCache ? this.#find(p, realm, scopes) : undefined
      if (hit) return hit
      // Across instances: the store's lock, then a fresh read, so another instance's refresh is
      // adopted rather than repeated (its rotated refresh token is never replayed).
      const release = await cache.lock(key, this.#o.lockTtlMs, this.#o.lockTtlMs)
      try {
        if (release) {
          await cache.reload(p)
          hit = useCache ? this.#find(p, realm, scopes) : undefined
          if (hit) return hit
        }
        const { result, entry } = await obtain(p)
        const saved = p.saveTokenResponse(entry, this.#o.clock())
        await cache.flush(p)
        return this.#acquired(saved, result, false)
      } finally {
        await release?.()
      }
    })
  }

  /**
   * Writes the tokens of a completed sign-in (or re-challenge) into the account's partition and
   * returns the account to keep in the session. Tokens already cached for other scopes stay: after
   * an incremental consent the earlier resources' tokens remain usable. `partitionKey` (default:
   * the home account id) names the partition, as {@link UserAccount.partitionKey}.
   */
  async storeSignIn(result: TokenResult, partitionKey?: string): Promise<UserAccount> {
    const account = signInAccount(result, partitionKey)
    const key = partitionKey ?? account.homeAccountId
    await this.#mutex.run(key, async () => {
      const p = await this.#o.cache.partition(key)
      p.saveTokenResponse(this.#toCache(result, account.realm, account), this.#o.clock())
      await this.#o.cache.flush(p)
    })
    return account
  }

  /**
   * Signs the account in again with the refresh token its partition holds (users moved from
   * another MSAL app), under the account's locks in this process and in the store, and stores the
   * answer before they go: concurrent callers each redeem the token the one before left, never
   * the same one twice. Resolves `undefined` when there is no refresh token for this client, and
   * stores nothing when the answer's ID token names another account. Raises what a refresh raises.
   */
  signInWithCachedRefreshToken(
    homeAccountId: string,
    scopes: readonly string[],
  ): Promise<CachedSignIn | undefined> {
    return this.#mutex.run(homeAccountId, async () => {
      const cache = this.#o.cache
      const p = await cache.partition(homeAccountId)
      const release = await cache.lock(homeAccountId, this.#o.lockTtlMs, this.#o.lockTtlMs)
      try {
        if (release) await cache.reload(p)
        const rt = p.findRefreshToken({
          clientId: this.#o.clientId,
          environment: this.#o.environment,
        })
        if (!rt) return undefined
        const result = await refreshGrant(await this.#o.protocol(), {
          refreshToken: rt.secret,
          scopes,
        })
        const account = signInAccount(result)
        if (account.homeAccountId === homeAccountId) {
          p.saveTokenResponse(this.#toCache(result, account.realm, account), this.#o.clock())
          await cache.flush(p)
        }
        return { result, account }
      } finally {
        await release?.()
      }
    })
  }

  /**
   * Forgets every token of the account (sign-out), in memory and in the store: the partition
   * `partitionKey` (its home account id, or the session's partition). Resolves `false`
   * when the store did not confirm the removal: the user is signed out here, but the account's
   * tokens may still sit in the shared store, so this is logged as an error for operators.
   */
  async removeAccount(partitionKey: string): Promise<boolean> {
    const confirmed = await this.#o.cache.remove(partitionKey)
    const account = redactId(partitionKey)
    if (confirmed) this.#o.logger.info('account removed from the token cache', { account })
    else {
      this.#o.logger.error(
        'account removed from memory but the store did not confirm: its tokens may remain there',
        { account },
      )
    }
    return confirmed
  }

  #find(p: Partition, realm: string, scopes: readonly string[]): AcquiredToken | undefined {
    const at = p.findAccessToken({
      clientId: this.#o.clientId,
      environment: this.#o.environment,
      realm,
      scopes,
      minLifetimeSeconds: this.#o.refreshWindowSeconds,
    })
    return at ? cachedToken(at) : undefined
  }

  #toCache(result: TokenResult, realm: string, account?: UserAccount): TokenResponseToCache {
    return cacheEntry(result, realm, this.#o, account)
  }

  #acquired(
    saved: CachedAccessToken | undefined,
    result: TokenResult,
    fromCache: boolean,
  ): AcquiredToken {
    if (saved) return fromCache ? cachedToken(saved) : { ...cachedToken(saved), fromCache }
    return {
      accessToken: result.accessToken,
      tokenType: result.tokenType,
      expiresOn: new Date(this.#o.clock() + result.expiresIn * 1000),
      scopes: result.scopes,
      fromCache,
    }
  }
}

/** Whether a user-token call may be answered from the cache: not with claims or a forced refresh. */
const usesCache = (o?: UserTokenOptions): boolean => !o?.claims && !o?.forceRefresh
