import type { Context, Env, ErrorHandler, Handler, Hono, Input, Next, Schema } from 'hono'
import type { HandlerResponse } from 'hono/types'
import { ConfigError } from '../../errors.ts'
import { methodNotAllowed } from '../../web/http.ts'
import type { Idweb } from '../../web/idweb.ts'
import type { Authentication } from '../../web/user.ts'
import { notSignedInResponse } from '../shared/answers.ts'
import { createIdentity, type IdentityContext, identityContext } from '../shared/identity.ts'
import {
  type ErrorHandlerOptions,
  errorHandler,
  type IdwebEnv,
  type IdwebHonoOptions,
} from './middleware.ts'
import { authenticateContext, unsentCookies, withSetCookies } from './request.ts'

/**
 * Options of a route wrapped by {@link IdwebRoutes.withUser} or {@link IdwebRoutes.withIdentity}.
 *
 * @example
 * ```ts
 * app.get('/mail', auth.withUser(listMail, { scopes: ['Mail.Read'] }))
 * ```
 */
export interface IdwebRouteOptions {
  /**
   * Scopes to ask for, besides the missing ones, when the handler raises `IDW_INTERACTION_REQUIRED`
   * or `IDW_NOT_SIGNED_IN` and the user is sent to the provider again (what
   * `authorizeForScopes(scopes)` does in the middleware form). Default: only the missing ones.
   */
  scopes?: readonly string[]
}

/**
 * Options of {@link mountIdweb}.
 *
 * @example
 * ```ts
 * const auth = mountIdweb(app, idweb, { errorHandler: { onError: (err) => report(err) } })
 * ```
 */
export interface MountIdwebOptions extends IdwebHonoOptions {
  /**
   * The app's error handler, set with `app.onError`: {@link errorHandler} with these options
   * (default), or `false` to set your own, which must hand idweb's errors to `errorHandler()` for
   * re-challenges to happen.
   */
  errorHandler?: ErrorHandlerOptions | false
}

/** The route wrappers {@link mountIdweb} returns, bound to its idweb app. */
export interface IdwebRoutes {
  /**
   * Wraps a handler: sets `c.get('identity')` (anonymous when no one is signed in) and
   * `c.get('idweb')`, and appends the session's rolled `Set-Cookie` values to its answer. An
   * interaction-required error it raises is answered by `errorHandler()` with a re-challenge.
   */
  withIdentity<
    E extends IdwebEnv,
    P extends string,
    I extends Input,
    R extends HandlerResponse<unknown>,
  >(handler: Handler<E, P, I, R>, options?: IdwebRouteOptions): Handler<E, P, I, R>
  /**
   * {@link IdwebRoutes.withIdentity} for signed-in users only, as `requireUser()`: without a user,
   * a person's navigation is redirected (302) to the sign-in route with `returnTo` set; a program
   * (XHR, `Accept: application/json`) gets 401 JSON `{ "error": "IDW_NOT_SIGNED_IN", ... }`.
   */
  withUser<
    E extends IdwebEnv,
    P extends string,
    I extends Input,
    R extends HandlerResponse<unknown>,
  >(handler: Handler<E, P, I, R>, options?: IdwebRouteOptions): Handler<E, P, I, R>
}

/**
 * idweb on a Hono app route by route, the form for routes where every microsecond counts: the
 * sign-in routes are registered on `app` at their own paths, and only the handlers wrapped by the
 * returned {@link IdwebRoutes} read the session. A wrapped route is one handler, so Hono runs it
 * without composing a middleware chain, and a handler that answers synchronously is answered
 * synchronously: the `idweb()` middleware's surface (`c.get('identity')`, re-challenges)
 * at the cost of a bare route plus the session check. It also sets the app's error handler,
 * {@link errorHandler}, which answers the re-challenges.
 *
 * Give it the root app: idweb's paths are absolute, so an app with a `basePath()` is refused
 * (`IDW_CONFIG_INVALID`), and an app later mounted under a prefix with `app.route()` would not be
 * reached at them. It replaces an `onError` set before it: set yours after it, or pass
 * `errorHandler: false`. Routes that are not wrapped see no `c.get('identity')`, and a global
 * middleware (`app.use`) brings back Hono's composition.
 *
 * @throws `IDW_CONFIG_INVALID` for an app with a `basePath()`.
 *
 * @example
 * ```ts
 * const app = new Hono<IdwebEnv>()
 * const auth = mountIdweb(app, createIdweb(loadAppSettings('appsettings.json'))) // sign-in routes
 * app.get('/', auth.withIdentity((c) => c.text(`Hello ${c.get('identity').claims.name ?? 'you'}`)))
 * const me = async (c: Context<IdwebEnv>) => c.json(await c.get('identity').callApi('Graph'))
 * app.get('/me', auth.withUser(me, { scopes: ['User.Read'] }))
 * ```
 */
export function mountIdweb<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
  idweb: Idweb,
  options: MountIdwebOptions = {},
): IdwebRoutes {
  const base = (app as unknown as { _basePath?: unknown })._basePath
  if (typeof base === 'string' && base !== '/' && base !== '')
    throw new ConfigError(
      'mountIdweb()',
      `must be given the root Hono app, not one with basePath('${base}'): idweb's routes are ` +
        `absolute paths (${idweb.config.signInPath}, ${idweb.config.callbackPath}, ...); set ` +
        'them in the configuration to move them.',
    )
  for (const path of idweb.routePaths) app.all(path, idwebRoute(idweb, path))
  if (options.errorHandler !== false)
    app.onError(errorHandler(options.errorHandler) as unknown as ErrorHandler<E>)
  const context = identityContext(idweb, options)
  return {
    withIdentity: (handler, routeOptions) =>
      wrap(context, false, handler as unknown as RouteHandler, routeOptions) as never,
    withUser: (handler, routeOptions) =>
      wrap(context, true, handler as unknown as RouteHandler, routeOptions) as never,
  }
}

/**
 * idweb's own route at `path`: its methods only, answered by the framework-neutral core. A path
 * Hono matches that the core does not (a trailing slash, with `strict: false`) is left to the
 * app's other routes, as the `idweb()` middleware leaves it.
 */
function idwebRoute(idweb: Idweb, path: string): Handler {
  const methods = idweb.methodsOf(path) ?? []
  return (c, next) => {
    const request = c.req.raw
    if (!methods.includes(request.method))
      return Promise.resolve(methodNotAllowed(request, methods))
    // What the core leaves (a path Hono decoded to one of idweb's) goes on to the app's routes.
    return idweb.handle(request).then(async (response) => {
      if (response !== undefined) return response
      await next()
      return undefined
    })
  }
}

/** A wrapped handler as the wrapper sees it: what it answers is checked at run time. */
type RouteHandler = (c: Context<IdwebEnv>, next: Next) => RouteAnswer
type RouteAnswer = Response | undefined | Promise<Response | undefined>

// Not async functions, and nothing chained onto the handler's answer unless the session rolled:
// a session in its cookie and a synchronous handler make a synchronous answer, which
// @hono/node-server writes on its fast path. What the handler raises goes to errorHandler(),
// which re-challenges with the scopes set here.
function wrap(
  context: IdentityContext,
  userOnly: boolean,
  handler: RouteHandler,
  options: IdwebRouteOptions = {},
): RouteHandler {
  const app = context.idweb
  // Read by errorHandler() for a re-challenge, which asks for none without them.
  const scopes = options.scopes ? [...options.scopes] : undefined
  const run = (c: Context<IdwebEnv>, next: Next, found: Authentication): RouteAnswer => {
    const cookies = found.setCookies
    if (userOnly && !found.user) return withSetCookies(notSignedInResponse(app, c.req.raw), cookies)
    c.set('idweb', app)
    c.set('identity', createIdentity(context, found.user))
    if (scopes) c.set('idwebScopes', scopes)
    if (cookies.length === 0) return handler(c, next)
    unsentCookies.set(c, cookies)
    const answer = handler(c, next)
    if (answer instanceof Promise) return answer.then((settled) => finish(c, settled, cookies))
    return finish(c, answer, cookies)
  }
  return (c, next) => {
    const found = authenticateContext(app, c)
    if (found instanceof Promise) return found.then((f) => run(c, next, f))
    return run(c, next, found)
  }
}

/**
 * The handler's answer with the session's cookies. A response the context already holds (the
 * handler set `c.res`, or called `next()`) is what a middleware chain sends, so it gets them too;
 * what is not a `Response` (`next()`'s own result) is passed on untouched.
 */
function finish(c: Context<IdwebEnv>, answer: unknown, cookies: readonly string[]): RouteAnswer {
  unsentCookies.delete(c)
  const held = c.finalized ? c.res : undefined
  if (held && held.status >= 200 && held.status <= 599)
    for (const cookie of cookies) c.header('set-cookie', cookie, { append: true })
  if (answer instanceof Response && answer !== held) return withSetCookies(answer, cookies)
  return (held && answer === held ? c.res : answer) as RouteAnswer
}
