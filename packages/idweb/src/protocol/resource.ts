import * as oauth from 'oauth4webapi'

/** A body `fetch` sends as is. */
export type ResourceBody =
  | string
  | Uint8Array
  | ArrayBuffer
  | URLSearchParams
  | FormData
  | Blob
  | ReadableStream<Uint8Array>

/** One call to a protected resource with a bearer token. */
export interface ResourceRequest {
  accessToken: string
  method: string
  url: URL
  /** Must not hold `authorization`: the token is added here. */
  headers: Headers
  body?: ResourceBody | undefined
  signal: AbortSignal
  fetch?: typeof fetch | undefined
}

/** A parsed `WWW-Authenticate` challenge: lower-cased scheme and parameter names. */
export interface ResourceChallenge {
  readonly scheme: string
  readonly parameters: Readonly<Record<string, string | undefined>>
}

/** What the resource answered: its response and, when it sent any, its authentication challenges. */
export interface ResourceAnswer {
  /** The body is unread. */
  response: Response
  /** Empty when the response has no (parseable) `WWW-Authenticate` header. */
  challenges: readonly ResourceChallenge[]
}

/**
 * Calls a protected resource with `Authorization: Bearer <token>`, never following redirects (a
 * redirect must not carry the token elsewhere). `WWW-Authenticate` challenges are parsed by
 * oauth4webapi and returned with the response instead of thrown.
 *
 * `http:` URLs are allowed here because the configuration layer already refused them unless they
 * are loopback or explicitly allowed.
 *
 * @example
 * ```ts
 * const { response, challenges } = await resourceRequest({
 *   accessToken, method: 'GET', url: new URL('https://graph.microsoft.com/v1.0/me'),
 *   headers: new Headers({ accept: 'application/json' }), signal: AbortSignal.timeout(30_000),
 * })
 * ```
 */
export async function resourceRequest(request: ResourceRequest): Promise<ResourceAnswer> {
  const options: oauth.ProtectedResourceRequestOptions = { signal: request.signal }
  if (request.url.protocol === 'http:') options[oauth.allowInsecureRequests] = true
  if (request.fetch) {
    const f = request.fetch
    options[oauth.customFetch] = (url, init) => f(url, init as RequestInit)
  }
  try {
    const response = await oauth.protectedResourceRequest(
      request.accessToken,
      request.method,
      request.url,
      request.headers,
      // FormData and Blob are valid fetch bodies oauth4webapi passes through untouched.
      request.body as oauth.ProtectedResourceRequestBody,
      options,
    )
    return { response, challenges: [] }
  } catch (err) {
    if (err instanceof oauth.WWWAuthenticateChallengeError) {
      return {
        response: err.response,
        challenges: err.cause.map((c) => ({ scheme: c.scheme, parameters: { ...c.parameters } })),
      }
    }
    throw err
  }
}
