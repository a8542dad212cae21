import type { FastifyRequest } from 'fastify'
import { IdwebError } from '../../errors.ts'
import type { SessionRequest } from '../../session/types.ts'
import type { Idweb } from '../../web/idweb.ts'
import { distinctHeaders, isAuthority, targetPath, toWebHeaders } from '../shared/node-request.ts'

/** What the plugin leaves on a request for the hooks and the error handler that run later. */
export interface FastifyState {
  readonly idweb: Idweb
  /** The request as a Web `Request` without its body, built once on first use. */
  webRequest(): Request
  /** Scopes `authorizeForScopes` asked for on this route, for the error handler's re-challenge. */
  scopes: readonly string[]
}

const STATE: unique symbol = Symbol('idweb.fastify.state')
type WithState = { [STATE]?: RequestState }

/**
 * One request's state, which is also its {@link SessionRequest}: the session layer reads only the
 * URL (built on first read) and the `Cookie` header, so the authenticated path builds no Web
 * `Request` unless a handler asks for one.
 */
class RequestState implements FastifyState, SessionRequest {
  readonly idweb: Idweb
  scopes: readonly string[] = []
  readonly #request: FastifyRequest
  #web: Request | undefined
  #url: string | undefined

  constructor(request: FastifyRequest, idweb: Idweb) {
    this.idweb = idweb
    this.#request = request
  }

  webRequest(): Request {
    this.#web ??= new Request(this.url, {
      method: methodOf(this.#request.method),
      headers: toWebHeaders(distinctHeaders(this.#request.raw)),
    })
    return this.#web
  }

  get url(): string {
    this.#url ??= requestHref(this.#request)
    return this.#url
  }

  get headers(): SessionRequest['headers'] {
    return this
  }

  get(name: string): string | null {
    const lower = name.toLowerCase()
    if (lower === 'cookie') return this.#request.raw.headers.cookie ?? null
    const values = distinctHeaders(this.#request.raw)[lower]
    if (values === undefined) return null
    return typeof values === 'string' ? values : values.join(', ')
  }

  has(name: string): boolean {
    return this.get(name) !== null
  }
}

/** A Web `Request` keeps only the methods it can carry; the rest read as `GET` for negotiation. */
function methodOf(method: string): string {
  return method === 'CONNECT' || method === 'TRACE' || method === 'TRACK' ? 'GET' : method
}

/**
 * The absolute URL of a Fastify request: `request.protocol` and `request.host` (both honour
 * Fastify's `trustProxy`) and the request target as sent.
 *
 * @throws {IdwebError} `IDW_BAD_REQUEST` (400) when the host is missing or not a URL authority.
 */
export function requestHref(request: FastifyRequest): string {
  const host = request.host
  const href = `${request.protocol}://${host}${targetPath(request.url)}`
  if (!isAuthority(host) || !URL.canParse(href)) {
    throw new IdwebError('IDW_BAD_REQUEST', 'The request has no valid Host header.')
  }
  return href
}

/** Remembers `idweb` for `request`. */
export function attachState(request: FastifyRequest, idweb: Idweb): RequestState {
  const state = new RequestState(request, idweb)
  ;(request as WithState)[STATE] = state
  return state
}

/** The state {@link attachState} left on `request`, if the plugin saw it. */
export function stateOf(request: FastifyRequest): FastifyState | undefined {
  return (request as WithState)[STATE]
}
