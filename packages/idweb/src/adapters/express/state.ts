import type { Request as ExpressRequest } from 'express'
import type { SessionRequest } from '../../session/types.ts'
import type { Idweb } from '../../web/idweb.ts'
import { requestHref, toWebRequest } from './to-web-request.ts'

/** What {@link idwebMiddleware} leaves for the helpers that run later on the same request. */
export interface AdapterState {
  readonly idweb: Idweb
  /** The request as a Web `Request` without its body, built once on first use. */
  webRequest(): Request
  /** What the session layer reads of the request, without building a Web `Request`. */
  readonly session: SessionRequest
}

/** Where the state rides on the request: a symbol, so no app property can collide with it. */
const STATE: unique symbol = Symbol('idweb.state')
type WithState = { [STATE]?: AdapterState }

/**
 * The state of one request, which is also its {@link SessionRequest}: the authenticated path
 * reads only the URL `toWebRequest` would build (computed on first read; `IDW_BAD_REQUEST` for a
 * bad Host) and the `Cookie` header, from Node's own headers, where several `Cookie` headers are
 * already joined with `; ` and other repeated headers are joined with `, `. The Web `Request`, an
 * allocation of URL, Headers and AbortSignal objects, is built only for a handler that asks.
 */
class RequestState implements AdapterState, SessionRequest {
  readonly idweb: Idweb
  readonly #req: ExpressRequest
  #request: Request | undefined
  #url: string | undefined

  constructor(req: ExpressRequest, idweb: Idweb, prebuilt: Request | undefined) {
    this.idweb = idweb
    this.#req = req
    this.#request = prebuilt
  }

  get session(): SessionRequest {
    return this
  }

  webRequest(): Request {
    this.#request ??= toWebRequest(this.#req, { body: false })
    return this.#request
  }

  get url(): string {
    this.#url ??= requestHref(this.#req)
    return this.#url
  }

  get headers(): SessionRequest['headers'] {
    return this
  }

  get(name: string): string | null {
    const lower = name.toLowerCase()
    if (lower === 'cookie') return this.#req.headers.cookie ?? null
    const values = this.#req.headersDistinct[lower]
    return values === undefined ? null : values.join(', ')
  }

  has(name: string): boolean {
    return this.get(name) !== null
  }
}

/** Remembers `idweb` for `req`; the Web `Request` is built lazily and once. */
export function attachState(req: ExpressRequest, idweb: Idweb, prebuilt?: Request): AdapterState {
  const state = new RequestState(req, idweb, prebuilt)
  ;(req as WithState)[STATE] = state
  return state
}

/** The state {@link attachState} left on `req`, if the middleware ran. */
export function stateOf(req: ExpressRequest): AdapterState | undefined {
  return (req as WithState)[STATE]
}
