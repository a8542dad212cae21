/**
 * idweb for Hono (`idweb/hono`): a thin adapter over idweb's framework-neutral core, on the Web
 * standard only, so the same app runs on Node (`@hono/node-server`), Bun and Deno. The `idweb()`
 * middleware answers the sign-in routes and sets `c.get('identity')`; `requireUser()`,
 * `authorizeForScopes()`, `requireBearer()` with `c.get('auth')`, and `errorHandler()` for
 * `app.onError`. `mountIdweb()` is the route-by-route form: the sign-in routes at their own paths,
 * and handlers wrapped by `auth.withUser()` or `auth.withIdentity()`, each a single Hono handler.
 *
 * @example
 * ```ts
 * import { serve } from '@hono/node-server'
 * import { Hono } from 'hono'
 * import { createIdweb, loadAppSettings } from 'idweb'
 * import { authorizeForScopes, errorHandler, idweb, type IdwebEnv, requireUser } from 'idweb/hono'
 *
 * const app = new Hono<IdwebEnv>()
 * app.use(idweb(createIdweb(loadAppSettings('appsettings.json'))))
 * app.get('/todos', requireUser(), authorizeForScopes(), async (c) =>
 *   c.json(await c.get('identity').callApi('TodoApi')))
 * app.onError(errorHandler())
 * serve({ fetch: app.fetch, port: 3000 })
 * ```
 *
 * @packageDocumentation
 */
export type { RequireBearerOptions } from '../shared/answers.ts'
export type { IdentityOptions, RequestIdentity } from '../shared/identity.ts'
export {
  authorizeForScopes,
  type ErrorHandlerOptions,
  errorHandler,
  type IdwebEnv,
  type IdwebHonoOptions,
  idweb,
  requireBearer,
  requireUser,
} from './middleware.ts'
export {
  type IdwebRouteOptions,
  type IdwebRoutes,
  type MountIdwebOptions,
  mountIdweb,
} from './routes.ts'
