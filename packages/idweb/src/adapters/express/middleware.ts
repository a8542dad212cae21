import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { IdwebError } from '../../errors.ts'
import { methodNotAllowed } from '../../web/http.ts'
import type { Idweb } from '../../web/idweb.ts'
import type { Authentication } from '../../web/user.ts'
import {
  createIdentity,
  type IdentityContext,
  type IdentityOptions,
  identityContext,
} from '../shared/identity.ts'
import { pathOf } from '../shared/node-request.ts'
import { settleUnreadBody } from '../shared/request-body.ts'
import './globals.ts'
import { sendWebResponse } from './send-web-response.ts'
import { attachState } from './state.ts'
import { isUncarriableMethod, toWebHeaders, toWebRequest } from './to-web-request.ts'

/**
 * Options of {@link idwebMiddleware}.
 *
 * @example
 * ```ts
 * app.use(idwebMiddleware(idweb, { downstream: createDownstreamApis({ apis, acquirer }) }))
 * ```
 */
export type IdwebMiddlewareOptions = IdentityOptions

/**
 * Mounts idweb on an Express app in one line.
 *
 * - Answers `/signin`, `/signin-oidc`, `/signout` and `/signout-callback-oidc` (or the configured
 *   paths) through the framework-neutral core, so they behave exactly as under any other adapter.
 *   Mount it before body parsers, or anywhere: a form post already parsed is rebuilt.
 * - On every other request, sets `req.identity` ({@link RequestIdentity}) and appends the
 *   session's rolled `Set-Cookie` values to the response. A request without a `Cookie` header
 *   costs nothing; token acquisition, downstream calls and the Graph client are lazy.
 *
 * Works with Express 5 and Express 4 (it never relies on promise forwarding: its own failures go
 * to `next(err)`). Session and store failures reach the error middleware; put
 * {@link errorHandler} last.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createIdweb } from 'idweb'
 * import { authorizeForScopes, errorHandler, idwebMiddleware, requireUser } from 'idweb/express'
 *
 * const idweb = createIdweb(loadAppSettings('appsettings.json'))
 * const app = express()
 * app.use(idwebMiddleware(idweb))
 * app.get('/', (req, res) => res.send(`Hello ${req.identity.claims.name ?? 'stranger'}`))
 * app.get('/me', requireUser(), authorizeForScopes(['User.Read'], async (req, res) => {
 *   const graph = await req.identity.graph()
 *   res.json(await graph.api('/me').get())
 * }))
 * app.use(errorHandler())
 * ```
 */
export function idwebMiddleware(
  idweb: Idweb,
  options: IdwebMiddlewareOptions = {},
): RequestHandler {
  const context = identityContext(idweb, options)

  return (req: Request, res: Response, next: NextFunction): void => {
    // Matched on the path as sent, as Express routes match: `/./signout` is not `/signout`.
    const methods = idweb.methodsOf(pathOf(req.originalUrl))
    if (methods) {
      answerRoute(idweb, methods, req, res).then(
        (passOn) => {
          if (passOn) identify(context, req, res, next)
        },
        (err: unknown) => {
          if (!res.destroyed) next(err)
        },
      )
      return
    }
    identify(context, req, res, next)
  }
}

/**
 * Answers one of idweb's own routes through the core; resolves `true` when the core left the
 * request to the app (it answers `undefined`).
 */
async function answerRoute(
  idweb: Idweb,
  methods: readonly string[],
  req: Request,
  res: Response,
): Promise<boolean> {
  const response = methods.includes(req.method)
    ? await idweb.handle(toWebRequest(req))
    : methodNotAllowed(negotiation(req), methods, req.method)
  if (!response) return true
  // What the answer left unread is discarded first, so the next request on this keep-alive
  // connection starts at the right byte; a body too large to discard closes it.
  if ((await settleUnreadBody(req)) === 'close') res.setHeader('connection', 'close')
  await sendWebResponse(res, response)
  return false
}

/**
 * Sets `req.identity` and passes the request on: at once without a `Cookie` header, after the
 * session is read otherwise. `next` runs outside any promise chain of ours, so an exception in a
 * later handler is never taken for one of ours (Express 4 calls the next handler synchronously).
 */
function identify(context: IdentityContext, req: Request, res: Response, next: NextFunction): void {
  const { idweb } = context
  if (isUncarriableMethod(req.method)) {
    next(new IdwebError('IDW_METHOD_NOT_ALLOWED', `${req.method} is not answered here.`))
    return
  }
  const state = attachState(req, idweb)
  if (!req.headers.cookie) {
    req.identity = createIdentity(context, undefined)
    next()
    return
  }
  let authentication: Authentication | Promise<Authentication>
  try {
    authentication = idweb.authenticateNow(state.session)
  } catch (err) {
    next(err)
    return
  }
  if (!(authentication instanceof Promise)) {
    proceed(context, req, res, next, authentication)
    return
  }
  authentication.then(
    (found) => proceed(context, req, res, next, found),
    (err: unknown) => {
      // A client that went away mid-answer has nobody left to tell.
      if (!res.destroyed) next(err)
    },
  )
}

function proceed(
  context: IdentityContext,
  req: Request,
  res: Response,
  next: NextFunction,
  { user, setCookies }: Authentication,
): void {
  for (const cookie of setCookies) res.append('Set-Cookie', cookie)
  req.identity = createIdentity(context, user)
  next()
}

/** The request's URL path and headers, no body and no method: enough to answer a 405 in kind. */
function negotiation(req: Request): globalThis.Request {
  return new globalThis.Request(`http://request.invalid${pathOf(req.originalUrl)}`, {
    headers: toWebHeaders(req.headersDistinct),
  })
}
