import type { Request as ExpressRequest } from 'express'
import type { Idweb } from '../../web/idweb.ts'
import { toWebRequest } from './to-web-request.ts'

/** What {@link idwebMiddleware} leaves for the helpers that run later on the same request. */
export interface AdapterState {
  readonly idweb: Idweb
  /** The request as a Web `Request` without its body, built once on first use. */
  webRequest(): Request
}

const states = new WeakMap<object, AdapterState>()

/** Remembers `idweb` for `req`; the Web `Request` is built lazily and once. */
export function attachState(req: ExpressRequest, idweb: Idweb, prebuilt?: Request): AdapterState {
  let request = prebuilt
  const state: AdapterState = {
    idweb,
    webRequest() {
      request ??= toWebRequest(req, { body: false })
      return request
    },
  }
  states.set(req, state)
  return state
}

/** The state {@link attachState} left on `req`, if the middleware ran. */
export function stateOf(req: ExpressRequest): AdapterState | undefined {
  return states.get(req)
}
