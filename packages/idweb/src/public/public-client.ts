import { decodeJwt } from 'jose'
import { cacheEntry, type EntryIds } from '../acquisition/cache-entry.ts'
import { createProtocolSource } from '../acquisition/setup.ts'
import { signInAccount } from '../acquisition/sign-in-account.ts'
import type { AccessTokenEntity, AccountEntity } from '../cache/entities.ts'
import type { IdwebOptions } from '../config/options.ts'
import { resolveConfig } from '../config/resolve-config.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'
import { IdwebError, InteractionRequiredError } from '../errors.ts'
import { type Logger, redactId, silentLogger } from '../logger.ts'
import type { ProtocolContext } from '../protocol/context.ts'
import { refreshGrant } from '../protocol/grants.ts'
import type { TokenResult } from '../protocol/tokens.ts'
import { CacheFile } from './cache-file.ts'
import { cacheFileOptions, defaultCachePath } from './cache-settings.ts'
import { CacheDocument } from './file-accounts.ts'
import {
  type DeviceCodeOptions,
  type InteractiveOptions,
  signInWithBrowser,
  signInWithDeviceCode,
} from './sign-in-flows.ts'

/** Collaborators of {@link createPublicClient}; every one has a default. */
export interface PublicClientDependencies {
  /**
   * The token cache file, or its path. Default `IDWEB_CACHE_FILE`, else `~/.idweb/cache.json`.
   */
  cache?: CacheFile | string
  /** How long to wait for another process holding the cache lock. Default `IDWEB_CACHE_LOCK_TIMEOUT_MS`, else 10 s. */
  lockTimeoutMs?: number
  /** Where sign-ins, refusals and the plaintext warning are logged (never a token). */
  logger?: Logger
  /** Replaces `fetch` for provider calls. */
  fetch?: typeof fetch
  /**
   * `IDWEB_CACHE_FILE`, `IDWEB_CACHE_ENCRYPTION` (`auto`, `keyring`, `none`), `IDWEB_CACHE_LOCK_TIMEOUT_MS`,
   * `IDWEB_CACHE_REQUIRE_ENCRYPTION`, and the D-Bus session of the keyring. Default `process.env`.
   */
  env?: Readonly<Record<string, string | undefined>>
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
}

/** An account in the cache file, whichever MSAL client signed it in. */
export interface PublicAccount {
  /** MSAL's home account id (`oid.tid` on Entra): what the cache keys the account by. */
  readonly homeAccountId: string
  /** The tenant the account's tokens are issued in. */
  readonly tenantId: string
  /** The sign-in name. */
  readonly username: string
  /** The display name, when the provider gave one. */
  readonly name: string | undefined
  /** The provider host the tokens come from. */
  readonly environment: string
}

/** An access token for a public client's account. */
export interface PublicToken {
  /** The token to send as `Authorization: Bearer …`. */
  readonly accessToken: string
  /** `Bearer`, unless the provider said otherwise. */
  readonly tokenType: string
  /** When the access token expires. */
  readonly expiresOn: Date
  /** The scopes it was granted for. */
  readonly scopes: readonly string[]
  /** The account it was issued for. */
  readonly account: PublicAccount
  /** Whether it was served from the cache file without a provider call. */
  readonly fromCache: boolean
}

/** Options of {@link PublicClient.acquireTokenSilent}. */
export interface SilentOptions {
  /** The scopes the token must carry. */
  scopes: readonly string[]
  /** The account (or its username or home account id). Default: the only one in the cache. */
  account?: PublicAccount | string | undefined
  /** Ask the provider even when the cache holds a valid token. */
  forceRefresh?: boolean
  /**
   * A claims challenge to satisfy (JSON text, from a `WWW-Authenticate` answer of conditional
   * access or CAE): the cache is skipped and the refresh carries it. When the provider asks for
   * the user, sign in with the same `claims`.
   */
  claims?: string | undefined
}

/**
 * A public client (a desktop app, a CLI, a script): one user's tokens, in a file shared with
 * other processes and with MSAL's persistence extensions (`@azure/msal-node-extensions`, MSAL
 * Python's `msal_extensions`). Sign in with the browser (authorization code with PKCE on a loopback
 * redirect) or a device code, then get tokens silently: from the file, else by the refresh token,
 * one process refreshing while the others wait on the file's lock and take its result.
 *
 * @example
 * ```ts
 * const client = createPublicClient({ tenantId: 'organizations', clientId })
 * const token = await client
 *   .acquireTokenSilent({ scopes: ['User.Read'] })
 *   .catch(() => client.acquireTokenInteractive({ scopes: ['User.Read'] }))
 * ```
 */
export class PublicClient {
  /** The validated, frozen configuration. */
  readonly config: ResolvedConfig
  /** The token cache file every call reads and writes. */
  readonly file: CacheFile
  readonly #protocol: (tenant?: string) => Promise<ProtocolContext>
  readonly #ids: EntryIds
  readonly #logger: Logger
  readonly #clock: () => number

  constructor(config: ResolvedConfig, deps: PublicClientDependencies = {}) {
    const env = deps.env ?? process.env
    this.config = config
    this.#logger = deps.logger ?? silentLogger
    this.#clock = deps.clock ?? Date.now
    // A public client proves nothing: any configured credential is the web app's, not ours.
    this.#protocol = createProtocolSource(
      { ...config, credentials: [] },
      { logger: this.#logger, fetch: deps.fetch },
    ).protocol
    this.#ids = {
      clientId: config.clientId,
      environment: config.authority.environment,
      authorityType: config.authority.kind !== 'oidc' ? 'MSSTS' : 'Generic',
    }
    this.file =
      deps.cache instanceof CacheFile
        ? deps.cache
        : new CacheFile(deps.cache ?? defaultCachePath(env), {
            ...cacheFileOptions(env, deps.lockTimeoutMs),
            logger: this.#logger,
          })
  }

  /** Every account in the cache file, of any client. */
  async getAccounts(): Promise<PublicAccount[]> {
    return accountsOf(this.#document(await this.file.read()))
  }

  /**
   * The account `which` names (a username, case-insensitive, or a home account id), or the only
   * one. `undefined` when there is none; `IDW_ACCOUNT_AMBIGUOUS` when several fit.
   */
  async getAccount(which?: string): Promise<PublicAccount | undefined> {
    return pick(await this.getAccounts(), which)
  }

  /**
   * A token from the cache file, else by the account's refresh token. Throws
   * {@link InteractionRequiredError} when only a new sign-in can help (no account, no refresh
   * token, or the provider refused it); it never opens a browser.
   */
  async acquireTokenSilent(options: SilentOptions): Promise<PublicToken> {
    // One read and parse of the file serves the account and the token.
    const read = this.#document(await this.file.read())
    const account =
      typeof options.account === 'object'
        ? options.account
        : pick(accountsOf(read), options.account)
    if (account === undefined) {
      throw new InteractionRequiredError('no_account', options.scopes, {
        cause: new Error(
          options.account ? `no account ${options.account} in the cache` : 'nobody is signed in',
        ),
      })
    }
    const fresh = options.forceRefresh === true || options.claims !== undefined
    const seen = this.#find(read, account, options).entry
    if (seen && !fresh) return this.#answer(seen, account, true)
    // Discovery before the lock: the lock is held for the refresh alone.
    const ctx = await this.#protocol()
    let refused: unknown
    let answer: PublicToken | undefined
    await this.file.update(async (current) => {
      const doc = this.#document(current)
      // Another process may have refreshed while this one waited for the lock: take its token
      // (when told to skip the cache, only one newer than the token it set out to replace).
      const found = this.#find(doc, account, options)
      if (found.entry && (!fresh || found.entry.secret !== seen?.secret)) {
        answer = this.#answer(found.entry, account, true)
        return current
      }
      const p = found.partition
      const rt = p.findRefreshToken(this.#ids)
      if (!rt) {
        refused = new InteractionRequiredError('no_refresh_token', options.scopes)
        return current
      }
      const idToken = p.findIdToken({ ...this.#ids, realm: account.tenantId })
      try {
        const result = await refreshGrant(ctx, {
          refreshToken: rt.secret,
          scopes: options.scopes,
          claims: options.claims,
          subject: idToken ? subjectOf(idToken.secret) : undefined,
        })
        const saved = p.saveTokenResponse(
          {
            ...cacheEntry(result, account.tenantId, this.#ids),
            homeAccountId: account.homeAccountId,
          },
          this.#clock(),
        )
        answer = saved
          ? this.#answer(saved.entity, account, false)
          : this.#fromResult(result, account)
      } catch (err) {
        refused = err
        if (!spent(err)) return current
        // A refresh token the provider says is dead: keep nobody trying it again.
        p.removeRefreshToken(rt)
        this.#logger.info('the refresh token was refused', {
          account: redactId(account.homeAccountId),
        })
      }
      return doc.withAccount(account.homeAccountId, p)
    })
    if (answer) return answer
    throw refused
  }

  /** Signs in with the system browser (or `openBrowser`) and caches the tokens. */
  async acquireTokenInteractive(options: InteractiveOptions): Promise<PublicToken> {
    return this.#signedIn(await signInWithBrowser(await this.#protocol(), options))
  }

  /** Signs in with a device code shown to the user, and caches the tokens. */
  async acquireTokenByDeviceCode(options: DeviceCodeOptions): Promise<PublicToken> {
    return this.#signedIn(await signInWithDeviceCode(await this.#protocol(), options))
  }

  /** Removes the account and every token of it from the cache file. */
  async removeAccount(account: PublicAccount | string): Promise<boolean> {
    const id = typeof account === 'object' ? account.homeAccountId : account
    let removed = false
    await this.file.update((current) => {
      const doc = this.#document(current)
      const match = doc.homeAccountIds().find((h) => h.toLowerCase() === id.toLowerCase())
      if (match === undefined) return current
      removed = true
      return doc.withAccount(match, undefined)
    })
    return removed
  }

  async #signedIn(result: TokenResult): Promise<PublicToken> {
    const user = signInAccount(result)
    const entry = cacheEntry(result, user.realm, this.#ids, user)
    let answer: PublicToken | undefined
    await this.file.update((current) => {
      const doc = this.#document(current)
      const p = doc.partition(user.homeAccountId, this.#clock)
      const saved = p.saveTokenResponse(entry, this.#clock())
      const account = toAccount(p.account())
      if (account) {
        answer = saved
          ? this.#answer(saved.entity, account, false)
          : this.#fromResult(result, account)
      }
      return doc.withAccount(user.homeAccountId, p)
    })
    if (!answer) throw new IdwebError('IDW_ID_TOKEN_INVALID', 'The sign-in named no account.')
    this.#logger.info('signed in', { account: redactId(user.homeAccountId) })
    return answer
  }

  #document(text: string): CacheDocument {
    return CacheDocument.parse(text, this.file.path, this.#ids.environment)
  }

  #find(doc: CacheDocument, account: PublicAccount, options: SilentOptions) {
    const partition = doc.partition(account.homeAccountId, this.#clock)
    const found = partition.findAccessToken({
      ...this.#ids,
      realm: account.tenantId,
      scopes: options.scopes,
      minLifetimeSeconds: this.config.tokenRefreshWindowSeconds,
    })
    return { partition, entry: found?.entity }
  }

  #answer(at: AccessTokenEntity, account: PublicAccount, fromCache: boolean): PublicToken {
    return Object.freeze({
      accessToken: at.secret,
      tokenType: at.token_type ?? 'Bearer',
      expiresOn: new Date(Number(at.expires_on) * 1000),
      scopes: Object.freeze(at.target.split(' ').filter(Boolean)),
      account,
      fromCache,
    })
  }

  #fromResult(result: TokenResult, account: PublicAccount): PublicToken {
    return Object.freeze({
      accessToken: result.accessToken,
      tokenType: result.tokenType,
      expiresOn: new Date(this.#clock() + result.expiresIn * 1000),
      scopes: Object.freeze([...result.scopes]),
      account,
      fromCache: false,
    })
  }
}

/**
 * A public client of `options` (the same options, appsettings.json included, as the web side;
 * no credential is needed or used).
 *
 * @example
 * ```ts
 * const client = createPublicClient(loadAppSettings('appsettings.json'), { cache: './tokens.json' })
 * ```
 */
export function createPublicClient(
  options: IdwebOptions,
  deps: PublicClientDependencies = {},
): PublicClient {
  const config = resolveConfig(
    { ...options, allowPublicClient: true },
    { env: deps.env, logger: deps.logger },
  )
  return new PublicClient(config, deps)
}

/** Every account of this provider in the document. */
function accountsOf(doc: CacheDocument): PublicAccount[] {
  return doc
    .homeAccountIds()
    .map((id) => toAccount(doc.partition(id).account()))
    .filter((a): a is PublicAccount => a !== undefined)
}

/**
 * The account `which` names (a username, case-insensitive, or a home account id), or the only
 * one; `IDW_ACCOUNT_AMBIGUOUS` when several fit.
 */
function pick(all: PublicAccount[], which: string | undefined): PublicAccount | undefined {
  const wanted = which?.toLowerCase()
  const fits =
    wanted === undefined
      ? all
      : all.filter(
          (a) => a.username.toLowerCase() === wanted || a.homeAccountId.toLowerCase() === wanted,
        )
  if (fits.length <= 1) return fits[0]
  throw new IdwebError(
    'IDW_ACCOUNT_AMBIGUOUS',
    `${fits.length} accounts are signed in (${fits.map((a) => a.username).join(', ')}): name one.`,
  )
}

/**
 * Entra's codes for a refresh token that is itself no good (expired, revoked, invalidated by a
 * password change, malformed). Not the refusals that ask for the user (MFA or another conditional
 * access step, consent): the token still serves other resources, as MSAL keeps it for them.
 */
const DEAD_REFRESH_TOKEN = new Set([70000, 70008, 700082, 700084, 50173, 9002313])

function spent(err: unknown): boolean {
  if (!(err instanceof InteractionRequiredError) || err.reason !== 'invalid_grant') return false
  const e = err.protocolError
  if (e === undefined || e.suberror !== undefined || e.claims !== undefined) return false
  // Without Entra's codes, RFC 6749's invalid_grant on a refresh means the token itself.
  return e.errorCodes === undefined || e.errorCodes.some((c) => DEAD_REFRESH_TOKEN.has(c))
}

function toAccount(a: AccountEntity | undefined): PublicAccount | undefined {
  if (a === undefined) return undefined
  return Object.freeze({
    homeAccountId: a.home_account_id,
    tenantId: a.realm,
    username: a.username,
    name: typeof a.name === 'string' ? a.name : undefined,
    environment: a.environment,
  })
}

function subjectOf(idToken: string): { iss: string; sub: string } | undefined {
  try {
    const { iss, sub } = decodeJwt(idToken)
    return typeof iss === 'string' && typeof sub === 'string' ? { iss, sub } : undefined
  } catch {
    return undefined
  }
}
