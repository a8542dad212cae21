/**
 * idweb for Fastify 5 (`idweb/fastify`): a thin adapter over idweb's framework-neutral core. A
 * plugin (`fastify-plugin`) for the sign-in routes and `request.identity`, the preHandlers
 * `requireUser()`, `authorizeForScopes()` and, for protected APIs, `requireBearer()` with
 * `request.auth`, and an error handler. Needs `fastify` and `fastify-plugin`, optional peers.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { createIdweb, loadAppSettings } from 'idweb'
 * import { authorizeForScopes, idwebPlugin, requireUser } from 'idweb/fastify'
 *
 * const idweb = createIdweb(loadAppSettings('appsettings.json'))
 * const app = Fastify()
 * await app.register(idwebPlugin, { idweb })
 * app.get('/', async (request) => `Hello ${request.identity.claims.name ?? 'stranger'}`)
 * app.get('/todos', { preHandler: [requireUser(), authorizeForScopes()] }, async (request) =>
 *   request.identity.callApi('TodoApi'))
 * await app.listen({ port: 3000 })
 * ```
 *
 * @packageDocumentation
 */
export type { RequireBearerOptions } from '../shared/answers.ts'
export type { IdentityOptions, RequestIdentity } from '../shared/identity.ts'
export { type ErrorHandlerOptions, errorHandler } from './error-handler.ts'
export { authorizeForScopes, requireBearer, requireUser } from './hooks.ts'
export { type IdwebPluginOptions, idwebPlugin } from './plugin.ts'
