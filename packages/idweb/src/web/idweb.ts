import type {
  AcquiredToken,
  TokenAcquirer,
  UserAccount,
  UserTokenOptions,
} from '../acquisition/acquirer.ts'
import { createAcquisition } from '../acquisition/setup.ts'
import type { TokenCache } from '../cache/token-cache.ts'
import type { IdwebOptions } from '../config/options.ts'
import type { ResolveConfigOptions } from '../config/resolve-config.ts'
import { missingSessionSecrets, resolveConfig } from '../config/resolve-config.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'
import { type Logger, silentLogger } from '../logger.ts'
import type { ProtocolContext } from '../protocol/context.ts'
import {
  createSessionManager,
  type SessionManager,
  type SessionRequest,
  SessionRevocations,
} from '../session/index.ts'
import { DEFAULT_ABSOLUTE_SECONDS } from '../session/payload.ts'
import { SignInIndex } from '../session/sign-in-index.ts'
import { signInFromCache } from './adopt.ts'
import { backchannelLogout } from './backchannel-logout.ts'
import {
  configuredCache,
  configuredSessionStore,
  memoryOnBehalfOfCache,
  type SessionStoreLike,
  sessionPartition,
  whenOpen,
} from './cache-setup.ts'
import { callback } from './callback.ts'
import { ConsumedStates } from './consumed-states.ts'
import type { SignedInUser, WebContext } from './context.ts'
import { frontChannelLogout } from './front-channel-logout.ts'
import { errorResponse, methodNotAllowed } from './http.ts'
import { ProviderLogouts } from './provider-logout.ts'
import { type ChallengeOptions, challenge, signIn } from './sign-in.ts'
import { signedOut, signOut, signOutEverywhere } from './sign-out.ts'
import { checkPeers } from './startup-checks.ts'
import { type Authentication, authenticate, authenticateNow } from './user.ts'

/** One of idweb's own routes: the methods it answers, and how. */
interface Route {
  readonly methods: readonly string[]
  run(request: Request): Promise<Response> | Response
}

/** Collaborators of {@link createIdweb}; every one has a default. */
export interface IdwebDependencies {
  /** The token cache. Default: built from the `tokenCache` settings (in memory unless a store is named). */
  cache?: TokenCache
  /** Server-side session store; default: the session lives in the encrypted cookie. */
  sessionStore?: SessionStoreLike
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
  /**
   * Replaces `fetch` for provider calls (proxies; tests that inject provider faults). The
   * configured bounds (`provider.timeoutMs`, `provider.maxResponseBytes`) apply on top of it.
   */
  fetch?: typeof fetch
  /** Epoch ms. */
  clock?: () => number
  /** Environment for configuration (`NODE_ENV`). Default `process.env`. */
  env?: ResolveConfigOptions['env']
  /**
   * Loads the optional packages the configuration needs (store drivers, the Graph SDK) when
   * {@link Idweb.ready} checks them. Default: the dynamic `import()`; tests replace it to
   * simulate a package that is not installed.
   */
  importPeer?: (specifier: string) => Promise<unknown>
}

/** Options of {@link Idweb.ready}. */
export interface ReadyOptions {
  /**
   * Also fetch the provider's discovery document, so that an unreachable provider or a wrong
   * tenant is reported at startup rather than by the first sign-in. The document is cached and
   * reused by that sign-in. Default `true`; `false` for a start that must not wait on the provider.
   */
  verify?: boolean
}

/**
 * An idweb web app: sign-in, callback, sign-out, the signed-in user, and token acquisition,
 * framework-neutral on Web `Request`/`Response`. Adapters (`idweb/express`, ...) only translate.
 */
export interface Idweb {
  /** The validated, frozen configuration. */
  readonly config: ResolvedConfig
  /** Acquires tokens for the signed-in user and for the app itself. */
  readonly acquirer: TokenAcquirer
  /** Reads, writes and clears the session cookies. */
  readonly sessions: SessionManager
  /** The token cache, shared by every request. */
  readonly cache: TokenCache
  /**
   * Where on-behalf-of tokens are cached, one partition per incoming token, bounded apart from
   * users' tokens (`tokenCache.onBehalfOfMemoryBytes`, `tokenCache.onBehalfOfSlidingSeconds`).
   */
  readonly onBehalfOfCache: TokenCache
  /** The logger given to {@link createIdweb}; adapters hand it to what they build. */
  readonly logger: Logger
  /**
   * Answers the sign-in (`/signin`), callback (`/signin-oidc`), sign-out (`/signout`),
   * signed-out callback (`/signout-callback-oidc`), front-channel logout (`/signout-oidc`) and
   * back-channel logout (`/backchannel-logout`) routes; `undefined` for any other path.
   */
  handle(request: Request): Promise<Response | undefined>
  /**
   * The methods idweb's own route at `path` answers (e.g. `['GET', 'POST']` for the callback), or
   * `undefined` when `path` is not one of its routes. Adapters route on it.
   */
  methodsOf(path: string): readonly string[] | undefined
  /** The paths of the routes {@link Idweb.handle} answers, for adapters that register each one. */
  readonly routePaths: readonly string[]
  /** Redirects to the provider, e.g. for more scopes (incremental consent) or a claims challenge. */
  challenge(request: Request, options?: ChallengeOptions): Promise<Response>
  /**
   * The signed-in user, if any, and cookies to send back. Takes a Web `Request` or any
   * {@link SessionRequest} view of one (its URL and `Cookie` header are all it reads).
   */
  authenticate(request: SessionRequest): Promise<Authentication>
  /**
   * {@link Idweb.authenticate}, answered synchronously when it can be (the session in its cookie,
   * revocations in process memory, no roll due), else a promise. For adapters, on every request:
   * a request that needs no await gets none.
   */
  authenticateNow(request: SessionRequest): Authentication | Promise<Authentication>
  /**
   * Signs in, with no browser round trip, an account whose refresh token the cache already holds
   * (users moved from another MSAL app with `importMsalCache`): redeems it once and builds the
   * session from the validated ID token. Resolves the `Set-Cookie` values, or `undefined` when the
   * account must sign in. Only for an account the app authenticated by other means: see
   * `docs/moving-from-msal-node.md`.
   */
  signInFromCache(request: Request, homeAccountId: string): Promise<string[] | undefined>
  /**
   * Signs `account` out everywhere: every session of it ends on every instance sharing the store
   * (even copies of its cookies), and its tokens are removed. Sessions begun afterwards are not
   * affected, and the provider's own session stays: send the user through `/signout` for that.
   */
  signOutEverywhere(account: UserAccount | SignedInUser): Promise<void>
  /** A token for the signed-in user; raises `IDW_INTERACTION_REQUIRED` when they must interact. */
  getTokenForUser(
    user: SignedInUser,
    scopes: readonly string[],
    options?: UserTokenOptions,
  ): Promise<AcquiredToken>
  /** The provider metadata (discovered once, cached). */
  protocol(): Promise<ProtocolContext>
  /**
   * Resolves once what the app needs at startup is there: the optional packages the
   * configuration names are installed, the token cache's and session's stores are open, and
   * (unless `verify` is `false`) the provider's discovery document is fetched and the client
   * credentials are loaded (a Key Vault certificate is read). Rejects with a
   * ConfigError naming the setting (a driver or the Graph SDK not installed, with its
   * `npm install` line; a store that cannot be reached), or with `IDW_DISCOVERY_FAILED` (the
   * provider cannot be reached, or refused the tenant with its own error). Call it before
   * listening.
   */
  ready(options?: ReadyOptions): Promise<void>
  /** Closes the token cache's store connections; call it on shutdown. */
  close(): Promise<void>
}

/**
 * Creates an idweb web app from options (or `loadAppSettings(...)`). The configuration is
 * validated here, once; discovery happens on first use and is cached.
 *
 * @example
 * ```ts
 * import { createIdweb, loadAppSettings } from 'idweb'
 *
 * const idweb = createIdweb(loadAppSettings('appsettings.json'))
 * // in any Web-standard server:
 * const response = (await idweb.handle(request)) ?? (await app(request))
 * ```
 */
export function createIdweb(options: IdwebOptions, deps: IdwebDependencies = {}): Idweb {
  const logger = deps.logger ?? silentLogger
  const clock = deps.clock ?? Date.now
  const config = resolveConfig(options, {
    logger,
    requireSession: true,
    ...(deps.env ? { env: deps.env } : {}),
  })
  const session = config.session
  if (!session) throw missingSessionSecrets(options) // refused above already; narrows the type
  const sessionStore = deps.sessionStore ?? configuredSessionStore(config)
  const configured = deps.cache
    ? {
        cache: deps.cache,
        onBehalfOf: memoryOnBehalfOfCache(config, logger, clock),
        ready: async () => {},
        perSession: false,
      }
    : configuredCache(config, logger, clock, sessionStore)
  const cache = configured.cache
  // Sign-outs are recorded where the tokens are: with a shared store, every instance sees them.
  const revocations = new SessionRevocations({
    store: cache.store,
    storeTimeoutMs: config.tokenCache.storeTimeoutMs,
    logger,
    clock,
  })
  const sessions = createSessionManager({
    secrets: session.secrets,
    ...(session.cookieName ? { cookieName: session.cookieName } : {}),
    ...(session.rollingSeconds ? { rollingSeconds: session.rollingSeconds } : {}),
    ...(session.absoluteSeconds ? { absoluteSeconds: session.absoluteSeconds } : {}),
    ...(session.secure !== undefined ? { secure: session.secure } : {}),
    ...(sessionStore ? { store: sessionStore } : {}),
    revocations,
    logger,
    clock,
  })
  // Credentials, the bounded provider fetch, discovery and the acquirer: what a daemon has too.
  const { acquirer, protocol, credentials } = createAcquisition(config, {
    cache,
    onBehalfOfCache: configured.onBehalfOf,
    logger,
    clock,
    fetch: deps.fetch,
  })
  const storeTimeoutMs = config.tokenCache.storeTimeoutMs
  const logouts = new ProviderLogouts({
    revocations,
    signIns: new SignInIndex({ store: cache.store, sealer: cache, storeTimeoutMs, logger, clock }),
    store: cache.store,
    absoluteSeconds: session.absoluteSeconds ?? DEFAULT_ABSOLUTE_SECONDS,
    storeTimeoutMs,
    logger,
    clock,
  })
  const ctx: WebContext = {
    config,
    sessions,
    acquirer,
    protocol,
    consumed: new ConsumedStates(15 * 60 * 1000, 100_000, clock),
    logouts,
    logger,
    clock,
    tokenPartition: configured.perSession ? sessionPartition : () => undefined,
  }
  // Each route answers only its methods: `OPTIONS /signout` must not sign anyone out. GET on the
  // callback is `response_mode=query`; GET on sign-out is Identity.Web's link-style sign-out.
  const routes = new Map<string, Route>([
    [config.signInPath, { methods: ['GET'], run: (r) => signIn(ctx, r) }],
    [config.callbackPath, { methods: ['GET', 'POST'], run: (r) => callback(ctx, r) }],
    [config.signOutPath, { methods: ['GET', 'POST'], run: (r) => signOut(ctx, r) }],
    [config.signedOutCallbackPath, { methods: ['GET'], run: (r) => signedOut(ctx, r) }],
    [config.remoteSignOutPath, { methods: ['GET'], run: (r) => frontChannelLogout(ctx, r) }],
    [config.backchannelLogoutPath, { methods: ['POST'], run: (r) => backchannelLogout(ctx, r) }],
  ])
  return {
    config,
    acquirer,
    sessions,
    cache,
    onBehalfOfCache: configured.onBehalfOf,
    logger,
    async handle(request) {
      const route = routes.get(new URL(request.url).pathname)
      if (!route) return undefined
      if (!route.methods.includes(request.method)) return methodNotAllowed(request, route.methods)
      try {
        return await route.run(request)
      } catch (err) {
        logger.error('idweb route failed', {
          reason: err instanceof Error ? err.message : String(err),
        })
        return errorResponse(err, request)
      }
    },
    methodsOf: (path) => routes.get(path)?.methods,
    routePaths: Object.freeze([...routes.keys()]),
    challenge: (request, options) => challenge(ctx, request, options),
    authenticate: (request) => authenticate(ctx, request),
    authenticateNow: (request) => authenticateNow(ctx, request),
    signInFromCache: (request, homeAccountId) => signInFromCache(ctx, request, homeAccountId),
    signOutEverywhere: (account) => signOutEverywhere(ctx, account),
    getTokenForUser: (user, scopes, options) =>
      acquirer.getTokenForUser(scopes, user.account, options),
    protocol,
    ready: async (options = {}) => {
      const needs = { configuredCache: !deps.cache, configuredSessionStore: !deps.sessionStore }
      await checkPeers(config, needs, deps.importPeer)
      await configured.ready()
      await whenOpen(sessionStore)
      if (options.verify ?? true) {
        await protocol()
        await credentials?.ready()
      }
    },
    close: async () => {
      await configured.onBehalfOf.close()
      await cache.close()
      if (sessionStore !== cache.store) await sessionStore?.close?.()
    },
  }
}
