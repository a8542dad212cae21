import type { TokenAcquirer } from '../acquisition/acquirer.ts'
import type { ResolvedDownstreamApi } from '../config/resolved-config.ts'
import type { Logger } from '../logger.ts'
import type { SignedInUser } from '../web/context.ts'

/**
 * Per-call options of {@link DownstreamApis}. Every field overrides the API's configuration for
 * this call only.
 *
 * @example
 * ```ts
 * const options: CallApiOptions = {
 *   relativePath: `todos/${encodeURIComponent(id)}`,
 *   method: 'PATCH',
 *   body: { done: true },
 *   query: { expand: 'owner' },
 * }
 * await downstream.call('TodoApi', user, options)
 * ```
 */
export interface CallApiOptions {
  /**
   * Path joined to the API's `BaseUrl` (a leading `/` still stays under it), replacing the
   * configured `RelativePath`. URLs, `//host`, backslashes, encoded `.`, `/` or `\`, and `..`
   * segments leaving the base path are refused, so the token never goes anywhere else.
   */
  relativePath?: string
  /** HTTP method, replacing the configured `HttpMethod`. */
  method?: string
  /**
   * Request body. `string`, `Uint8Array`, `ArrayBuffer`, `URLSearchParams`, `FormData`, `Blob` and
   * `ReadableStream` are sent as they are; anything else is sent as JSON.
   */
  body?: unknown
  /** Extra request headers. `authorization` is refused: idweb sets it. */
  headers?: HeadersInit
  /** Query parameters appended to the URL. */
  query?: Record<string, string>
  /** Scopes of the token, replacing the configured `Scopes`. */
  scopes?: readonly string[]
  /** Call as the app (client credentials) rather than as the user. */
  requestAppToken?: boolean
  /** Tenant of the app token (app tokens only). Default: the configured tenant. */
  tenant?: string
  /**
   * The access token a web API received from its caller: the call goes on the caller's behalf,
   * with a token from the on-behalf-of exchange (cached per incoming token), and needs no
   * signed-in user. A consent or claims challenge raises `IDW_INTERACTION_REQUIRED`, which
   * `toErrorResponse` turns into the 403 the caller can act on.
   */
  onBehalfOf?: string
  /**
   * Milliseconds the HTTP call may take, body included; replaces the configured `TimeoutMs`.
   * Exceeding it raises `IDW_TIMEOUT`.
   */
  timeoutMs?: number
  /** Aborts the call; its reason is rethrown as is. */
  signal?: AbortSignal
}

/**
 * Calls the named downstream APIs of the configuration (Identity.Web's `IDownstreamApi`): acquires
 * the token, sends it, and maps failures to idweb errors.
 *
 * @example
 * ```ts
 * const todos = await downstream.call<Todo[]>('TodoApi', user)
 * const created = await downstream.call<Todo>('TodoApi', user, { method: 'POST', body: { title } })
 * ```
 */
export interface DownstreamApis {
  /**
   * Calls API `name` for `user` (or as the app) and returns the parsed JSON (`undefined` for 204
   * or an empty body).
   *
   * @throws `IDW_CONFIG_INVALID` for an unknown name, `IDW_NOT_SIGNED_IN` without a user,
   * `IDW_INTERACTION_REQUIRED` when the user must sign in again (including claims challenges),
   * `IDW_DOWNSTREAM_API_ERROR` ({@link DownstreamApiError}) for an error status, `IDW_TIMEOUT`.
   */
  call<T = unknown>(
    name: string,
    user: SignedInUser | undefined,
    options?: CallApiOptions,
  ): Promise<T>
  /**
   * Same as {@link DownstreamApis.call} but returns the `Response` of any 2xx answer, body unread.
   * The timeout keeps running while the body is read.
   */
  callRaw(name: string, user: SignedInUser | undefined, options?: CallApiOptions): Promise<Response>
}

/**
 * What {@link createDownstreamApis} needs.
 *
 * @example
 * ```ts
 * const options: CreateDownstreamApisOptions = { apis: config.downstreamApis, acquirer, logger }
 * ```
 */
export interface CreateDownstreamApisOptions {
  /** The resolved `DownstreamApis` section (`config.downstreamApis`). */
  apis: Readonly<Record<string, ResolvedDownstreamApi>>
  /** Acquires the user or app tokens the calls carry. */
  acquirer: TokenAcquirer
  /** Replaces the global `fetch` (proxies, tests). */
  fetch?: typeof fetch
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
}
