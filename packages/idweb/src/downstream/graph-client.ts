import type {
  AuthenticationHandlerOptions,
  Client,
  Context,
  Middleware,
} from '@microsoft/microsoft-graph-client'
import { GRAPH_SDK, loadPeer } from '../cache/stores/driver.ts'
import type { ResolvedDownstreamApi } from '../config/resolved-config.ts'
import { ConfigError } from '../errors.ts'
import { type GraphAuthenticationProvider, graphAuthProvider } from './graph-auth-provider.ts'

type GraphSdk = typeof import('@microsoft/microsoft-graph-client')

/**
 * What {@link createGraphClient} needs.
 *
 * @example
 * ```ts
 * const options: CreateGraphClientOptions = { apis: config.downstreamApis, getToken: tokenGetter(acquirer, user) }
 * ```
 */
export interface CreateGraphClientOptions {
  /** The resolved `DownstreamApis` section (`config.downstreamApis`). */
  apis: Readonly<Record<string, ResolvedDownstreamApi>>
  /** The entry describing Microsoft Graph. Default `Graph`. */
  name?: string
  /** Gets a token for the scopes of a request (the entry's `Scopes` unless the request names others). */
  getToken: (scopes: readonly string[]) => Promise<
    | string
    | {
        /** The access token, as in an idweb `AcquiredToken`. */
        accessToken: string
      }
  >
  /** Logs each request's URL (the SDK's `debugLogging`). */
  debugLogging?: boolean
}

/**
 * Creates a Microsoft Graph SDK client (`@microsoft/microsoft-graph-client` v3, an optional peer
 * dependency loaded on first use) whose base URL and default scopes come from the `Graph`
 * downstream API entry, like Identity.Web's `AddMicrosoftGraph(Configuration.GetSection("Graph"))`.
 *
 * The entry's `BaseUrl` ends in the Graph version (`https://graph.microsoft.com/v1.0`, or a local
 * emulation such as `http://localhost:4000/graph/v1.0`). The SDK's default middleware is kept
 * (retries, redirects, telemetry) except its authentication handler, which only knows the public
 * `https://` Graph hosts: idweb's handler attaches the token to requests for the configured
 * origin, and to nothing else (a request to another host, e.g. a `@odata.nextLink` elsewhere,
 * goes without it).
 *
 * @throws `IDW_CONFIG_INVALID` when the entry is missing or the SDK is not installed.
 * @example
 * ```ts
 * const graph = await createGraphClient({ apis: config.downstreamApis, getToken: tokenGetter(acquirer, user) })
 * const me = await graph.api('/me').select('displayName,mail').get()
 * ```
 */
export async function createGraphClient(options: CreateGraphClientOptions): Promise<Client> {
  const name = options.name ?? 'Graph'
  const api = Object.hasOwn(options.apis, name) ? options.apis[name] : undefined
  if (!api) {
    throw new ConfigError(
      `DownstreamApis.${name}`,
      'is not configured: add it with BaseUrl (e.g. https://graph.microsoft.com/v1.0) and Scopes (e.g. ["User.Read"]).',
    )
  }
  const sdk = await loadSdk(name)
  const base = new URL(api.baseUrl)
  const segments = base.pathname.split('/').filter(Boolean)
  const version = segments.pop() ?? 'v1.0'
  const host = `${base.origin}${segments.map((s) => `/${s}`).join('')}`
  const provider = graphAuthProvider(options.getToken, api.scopes)
  const middleware: Middleware[] = [
    new OriginBearerHandler(base.origin, provider, sdk.AuthenticationHandlerOptions),
    ...sdk.MiddlewareFactory.getDefaultMiddlewareChain(provider).filter(
      (m) => !(m instanceof sdk.AuthenticationHandler),
    ),
  ]
  return keepTokenErrors(
    sdk.Client.initWithMiddleware({
      baseUrl: host,
      defaultVersion: version,
      middleware,
      debugLogging: options.debugLogging ?? false,
    }),
  )
}

/**
 * Where one send's token acquisition failure is kept for {@link keepTokenErrors}: a middleware
 * option of that send, which the authentication middleware finds in its context. (Not an
 * AsyncLocalStorage: on Node 20 and 22 one of those, once used, puts promise hooks on every
 * promise of the process.)
 */
class TokenFailureSlot {
  error?: unknown
}
const SENDING_METHODS = [
  'get',
  'post',
  'put',
  'patch',
  'delete',
  'del',
  'create',
  'update',
  'getStream',
  'putStream',
] as const

/**
 * The SDK turns every middleware failure into a `GraphError` that keeps only the message, so
 * `IDW_INTERACTION_REQUIRED` from token acquisition would reach the app as an opaque error that
 * never re-challenges. Each sending method of a request runs in its own async context; when the
 * request's token acquisition failed, that error is rethrown instead of the SDK's wrapper.
 */
function keepTokenErrors(client: Client): Client {
  const api = client.api.bind(client)
  client.api = (path) => {
    const request = api(path)
    // The options the app sets on the request are kept, and each send adds its own slot.
    let appOptions: unknown[] = []
    const setOptions = request.middlewareOptions.bind(request)
    request.middlewareOptions = (options) => {
      appOptions = [...options]
      return setOptions(options)
    }
    const methods = request as unknown as Record<string, unknown>
    for (const name of SENDING_METHODS) {
      const send = methods[name]
      if (typeof send !== 'function') continue
      methods[name] = (...args: unknown[]) => {
        const slot = new TokenFailureSlot()
        // The SDK reads the options when the send starts, synchronously: concurrent sends of
        // one request each keep their own slot.
        setOptions([...appOptions, slot] as Parameters<typeof setOptions>[0])
        const sent = (send as (...a: unknown[]) => Promise<unknown>).apply(request, args)
        return sent.catch((err: unknown) => {
          throw slot.error ?? err
        })
      }
    }
    return request
  }
  return client
}

/** The Graph SDK, an optional peer; `createIdweb(...).ready()` checks it is installed. */

function loadSdk(name: string): Promise<GraphSdk> {
  // Only a missing package is blamed on the install; any other failure is passed on as it is.
  return loadPeer<GraphSdk>(
    GRAPH_SDK,
    GRAPH_SDK,
    `DownstreamApis.${name}`,
    () => import('@microsoft/microsoft-graph-client'),
  )
}

/** Attaches `Authorization: Bearer` to requests for one origin and strips it from any other. */
class OriginBearerHandler implements Middleware {
  readonly #origin: string
  readonly #provider: GraphAuthenticationProvider
  readonly #optionsClass: typeof AuthenticationHandlerOptions
  #next: Middleware | undefined

  constructor(
    origin: string,
    provider: GraphAuthenticationProvider,
    optionsClass: typeof AuthenticationHandlerOptions,
  ) {
    this.#origin = origin
    this.#provider = provider
    this.#optionsClass = optionsClass
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url
    let sameOrigin = false
    try {
      sameOrigin = new URL(url).origin === this.#origin
    } catch {
      sameOrigin = false
    }
    const headers = new Headers(context.options?.headers)
    if (sameOrigin) {
      const perRequest = context.middlewareControl?.getMiddlewareOptions(this.#optionsClass) as
        | AuthenticationHandlerOptions
        | undefined
      const provider = perRequest?.authenticationProvider ?? this.#provider
      let token: string
      try {
        token = await provider.getAccessToken(perRequest?.authenticationProviderOptions)
      } catch (err) {
        const slot = context.middlewareControl?.getMiddlewareOptions(TokenFailureSlot) as
          | TokenFailureSlot
          | undefined
        if (slot) slot.error = err
        throw err
      }
      headers.set('authorization', `Bearer ${token}`)
    } else {
      headers.delete('authorization')
    }
    context.options = { ...context.options, headers }
    if (typeof context.request !== 'string') {
      if (sameOrigin) context.request.headers.set('authorization', headers.get('authorization')!)
      else context.request.headers.delete('authorization')
    }
    if (!this.#next) throw new Error('The Graph middleware chain has no HTTP handler.')
    await this.#next.execute(context)
  }

  setNext(next: Middleware): void {
    this.#next = next
  }
}
