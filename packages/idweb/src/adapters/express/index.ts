/**
 * idweb for Express (`idweb/express`): a thin adapter over idweb's framework-neutral core. It
 * translates Express requests to Web `Request`s and Web `Response`s back, and adds the Express
 * idioms: `req.identity`, `requireUser()`, `authorizeForScopes()`, `errorHandler()` and, for
 * protected APIs, `requireBearer()` with `req.auth`. Express 5 and Express 4.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createIdweb, loadAppSettings } from 'idweb'
 * import { authorizeForScopes, errorHandler, idwebMiddleware, requireUser } from 'idweb/express'
 *
 * const idweb = createIdweb(loadAppSettings('appsettings.json'))
 * const app = express()
 * app.use(idwebMiddleware(idweb))
 * app.get('/', (req, res) => res.send(`Hello ${req.identity.claims.name ?? 'stranger'}`))
 * app.get('/todos', requireUser(), authorizeForScopes([], async (req, res) => {
 *   res.json(await req.identity.callApi('TodoApi'))
 * }))
 * app.use(errorHandler())
 * app.listen(3000)
 * ```
 *
 * @packageDocumentation
 */

export type { RequireBearerOptions } from '../shared/answers.ts'
export type { RequestIdentity } from '../shared/identity.ts'
export { authorizeForScopes } from './authorize-for-scopes.ts'
export { type CarryOverOptions, carryOverMsalSessions } from './carry-over.ts'
export { type ErrorHandlerOptions, errorHandler } from './error-handler.ts'
export { type IdwebMiddlewareOptions, idwebMiddleware } from './middleware.ts'
export { requireBearer } from './require-bearer.ts'
export { requireUser } from './require-user.ts'
export { sendWebResponse } from './send-web-response.ts'
export { type ToWebRequestOptions, toWebHeaders, toWebRequest } from './to-web-request.ts'
