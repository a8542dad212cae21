import type { AcquiredToken, TokenAcquirer } from '../acquisition/acquirer.ts'
import { createAcquisition } from '../acquisition/setup.ts'
import type { TokenCache } from '../cache/token-cache.ts'
import type { AppSettingsOptions } from '../config/app-settings.ts'
import { appSettingsSource, settingNamer } from '../config/key-names.ts'
import type { IdwebOptions } from '../config/options.ts'
import { resolveConfig } from '../config/resolve-config.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'
import { createDownstreamApis } from '../downstream/downstream-apis.ts'
import type { CallApiOptions, DownstreamApis } from '../downstream/types.ts'
import { ConfigError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { configuredCache, memoryOnBehalfOfCache } from '../web/cache-setup.ts'
import type { IdwebDependencies, ReadyOptions } from '../web/idweb.ts'
import { checkPeers } from '../web/startup-checks.ts'

/**
 * Collaborators of {@link createDaemon}; every one has a default. The same as `createIdweb`'s
 * (without a session store), plus the `fetch` of downstream calls.
 */
export interface DaemonDependencies
  extends Pick<IdwebDependencies, 'cache' | 'logger' | 'fetch' | 'clock' | 'env' | 'importPeer'> {
  /** Replaces `fetch` for the calls to downstream APIs. Default: the global `fetch`. */
  downstreamFetch?: typeof fetch
}

/**
 * Options of {@link Daemon.getTokenForApp}.
 *
 * @example
 * ```ts
 * await daemon.getTokenForApp(['https://graph.microsoft.com/.default'], { tenant: customerTenantId })
 * ```
 */
export interface AppTokenOptions {
  /** The tenant to get the token in. Default: the configured tenant. */
  tenant?: string
  /** Skip the cache and ask the provider. */
  forceRefresh?: boolean
}

/**
 * An app with no signed-in user and no session (a daemon, a scheduled job, a queue worker, or a
 * web API calling others): app tokens by client credentials, cached per (client, tenant), the
 * configured downstream APIs called with them, or on behalf of a web API's caller. Microsoft.Identity.Web's `TokenAcquirerFactory` plus
 * `IDownstreamApi.CallApiForAppAsync`, without a web host.
 *
 * @example
 * ```ts
 * const token = await daemon.getTokenForApp(['api://<API client id>/.default'])
 * const todos = await daemon.callApi<{ owners: unknown[] }>('TodoApi', { relativePath: 'todos/all' })
 * ```
 */
export interface Daemon {
  /** The validated, frozen configuration. */
  readonly config: ResolvedConfig
  /** Acquires the app's tokens (`getTokenForApp`; `getTokenOnBehalfOf` for an API's callers). */
  readonly acquirer: TokenAcquirer
  /** The token cache, shared by every call. */
  readonly cache: TokenCache
  /**
   * Where on-behalf-of tokens are cached, one partition per incoming token, bounded apart from
   * users' tokens (`tokenCache.onBehalfOfMemoryBytes`, `tokenCache.onBehalfOfSlidingSeconds`).
   */
  readonly onBehalfOfCache: TokenCache
  /** The logger given to {@link createDaemon}. */
  readonly logger: Logger
  /** The configured downstream APIs; call them with `undefined` for the user. */
  readonly downstream: DownstreamApis
  /** An access token for the app itself, from the cache while it is fresh. */
  getTokenForApp(scopes: readonly string[], options?: AppTokenOptions): Promise<AcquiredToken>
  /**
   * Calls the downstream API `name` as the app and returns its parsed JSON (`undefined` for 204).
   * The entry must say `RequestAppToken: true` (or the call `requestAppToken: true`): a daemon has
   * no user to call it for.
   *
   * @throws `IDW_CONFIG_INVALID` for an unknown name or an entry without `RequestAppToken`,
   *   `IDW_CREDENTIAL_INVALID` when the provider refuses every configured credential
   *   (`invalid_client`), `IDW_DOWNSTREAM_API_ERROR` for an error status, `IDW_TIMEOUT`.
   */
  callApi<T = unknown>(name: string, options?: CallApiOptions): Promise<T>
  /**
   * Calls the downstream API `name` on behalf of the caller whose access token (`incomingToken`,
   * e.g. `req.auth.token`) this web API received: the on-behalf-of exchange, cached per incoming
   * token in {@link Daemon.onBehalfOfCache}. When the user must consent or satisfy a claims
   * challenge, it raises `IDW_INTERACTION_REQUIRED`; answer it with `toErrorResponse` (idweb/api),
   * a 403 whose `WWW-Authenticate` tells the calling app what to do.
   */
  callApiOnBehalfOf<T = unknown>(
    name: string,
    incomingToken: string,
    options?: CallApiOptions,
  ): Promise<T>
  /** {@link Daemon.callApi}, answering the `Response` of any 2xx, body unread. */
  callApiRaw(name: string, options?: CallApiOptions): Promise<Response>
  /**
   * Resolves once the optional packages the configuration names are installed, the token cache's
   * store is open and (unless `verify` is `false`) the provider's discovery document is fetched
   * and the credentials are loaded. Call it before the first job, to fail at startup.
   */
  ready(options?: ReadyOptions): Promise<void>
  /** Closes the token cache's store connections; call it on shutdown. */
  close(): Promise<void>
}

/**
 * Creates a {@link Daemon} from options (or `loadAppSettings(...)`): the `AzureAd` section with a
 * credential (a certificate, a secret or a signed assertion) and no session secrets, and the
 * `DownstreamApis` entries it calls with `RequestAppToken: true`. The configuration is validated
 * here, once; discovery happens on first use and is cached.
 *
 * @example
 * ```ts
 * import { createDaemon, loadAppSettings } from 'idweb'
 *
 * const daemon = createDaemon(loadAppSettings('appsettings.json'))
 * // DownstreamApis.TodoApi: { BaseUrl, RelativePath: "todos/all", Scopes: ["api://<id>/.default"],
 * //                           RequestAppToken: true }
 * console.log(await daemon.callApi('TodoApi'))
 * await daemon.close()
 * ```
 */
export function createDaemon(options: IdwebOptions, deps: DaemonDependencies = {}): Daemon {
  const logger = deps.logger ?? silentLogger
  const clock = deps.clock ?? Date.now
  const config = resolveConfig(options, { logger, ...(deps.env ? { env: deps.env } : {}) })
  const name = settingNamer((options as Partial<AppSettingsOptions>)[appSettingsSource])
  if (config.credentials.length === 0) {
    throw new ConfigError(
      name('clientCredentials'),
      'is empty, and a daemon gets its tokens by client credentials: add a certificate (SourceType Path), a client secret or a signed assertion; a public client cannot be a daemon.',
    )
  }
  const configured = deps.cache
    ? {
        cache: deps.cache,
        onBehalfOf: memoryOnBehalfOfCache(config, logger, clock),
        ready: async () => {},
      }
    : configuredCache(config, logger, clock)
  const cache = configured.cache
  const { acquirer, protocol, credentials } = createAcquisition(config, {
    cache,
    onBehalfOfCache: configured.onBehalfOf,
    logger,
    clock,
    fetch: deps.fetch,
  })
  const downstream = createDownstreamApis({
    apis: config.downstreamApis,
    acquirer,
    logger,
    ...(deps.downstreamFetch ? { fetch: deps.downstreamFetch } : {}),
  })
  // Refused before any token is asked for: without it the call would be for a user there is not.
  const asApp = (api: string, call: CallApiOptions = {}): CallApiOptions => {
    const entry = Object.hasOwn(config.downstreamApis, api) ? config.downstreamApis[api] : undefined
    if (entry && !(call.requestAppToken ?? entry.requestAppToken)) {
      throw new ConfigError(
        name(`downstreamApis.${api}.requestAppToken`),
        `is not true, and a daemon has no signed-in user to call this API for: set it to true (with Scopes ["api://<API client id>/.default"]), or pass requestAppToken: true to this call.`,
      )
    }
    return call
  }
  return {
    config,
    acquirer,
    cache,
    onBehalfOfCache: configured.onBehalfOf,
    logger,
    downstream,
    getTokenForApp: (scopes, tokenOptions = {}) => acquirer.getTokenForApp(scopes, tokenOptions),
    callApi: async <T>(api: string, call?: CallApiOptions) =>
      downstream.call<T>(api, undefined, asApp(api, call)),
    callApiRaw: async (api, call) => downstream.callRaw(api, undefined, asApp(api, call)),
    callApiOnBehalfOf: async <T>(api: string, incomingToken: string, call: CallApiOptions = {}) =>
      downstream.call<T>(api, undefined, { ...call, onBehalfOf: incomingToken }),
    ready: async (readyOptions = {}) => {
      const needs = { configuredCache: !deps.cache, configuredSessionStore: false }
      await checkPeers(config, needs, deps.importPeer)
      await configured.ready()
      if (readyOptions.verify ?? true) {
        await protocol()
        await credentials?.ready()
      }
    },
    close: async () => {
      await configured.onBehalfOf.close()
      await cache.close()
    },
  }
}
