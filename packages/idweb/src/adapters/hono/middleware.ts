import type { Context, ErrorHandler, MiddlewareHandler, Next } from 'hono'
import type { ApiPrincipal } from '../../api/principal.ts'
import type { BearerValidator } from '../../api/validator.ts'
import { ConfigError } from '../../errors.ts'
import { methodNotAllowed } from '../../web/http.ts'
import type { Idweb } from '../../web/idweb.ts'
import type { Authentication } from '../../web/user.ts'
import {
  bearerCheck,
  errorAnswer,
  genericResponse,
  notSignedInResponse,
  type RequireBearerOptions,
  rechallengeResponse,
} from '../shared/answers.ts'
import {
  createIdentity,
  type IdentityOptions,
  identityContext,
  type RequestIdentity,
} from '../shared/identity.ts'
import { needsInteraction } from '../shared/interaction.ts'
import { authenticateContext, unsentCookies, withSetCookies } from './request.ts'

/**
 * The Hono environment idweb's middleware fills: type your app with it to read
 * `c.get('identity')` and `c.get('auth')` typed.
 *
 * @example
 * ```ts
 * const app = new Hono<IdwebEnv>()
 * app.get('/', (c) => c.text(`Hello ${c.get('identity').claims.name ?? 'stranger'}`))
 * ```
 */
export interface IdwebEnv {
  /** What idweb sets with `c.set`. */
  Variables: {
    /**
     * Set by {@link idweb} on every request it does not answer itself, and by `mountIdweb`'s
     * wrappers on their routes.
     */
    identity: RequestIdentity
    /** The idweb app the middleware or `mountIdweb` was given. */
    idweb: Idweb
    /** Set by {@link requireBearer} once the bearer token is valid. */
    auth: ApiPrincipal
    /** Scopes {@link authorizeForScopes}, or a wrapped route's `scopes`, named for this route. */
    idwebScopes: readonly string[]
  }
}

/** Options of {@link idweb}. */
export type IdwebHonoOptions = IdentityOptions

/** What a Hono middleware resolves: a response, or nothing to go on. */
type MiddlewareAnswer = ReturnType<MiddlewareHandler<IdwebEnv>>

/** Errors {@link errorHandler} already answered with a re-challenge. */
const challenged = new WeakSet<object>()

/**
 * Mounts idweb on a Hono app: Web-standard only, so the same app runs on Node
 * (`@hono/node-server`), Bun and Deno.
 *
 * - Answers `/signin`, `/signin-oidc`, `/signout` and `/signout-callback-oidc` (or the configured
 *   paths) through the framework-neutral core.
 * - On every other request, sets `c.get('identity')` ({@link RequestIdentity}, the surface of
 *   Express's `req.identity`) and `c.get('idweb')`, and appends the session's rolled `Set-Cookie`
 *   values to the response. A request without a `Cookie` header costs nothing.
 *
 * Put `app.onError(errorHandler())` on the app, and this middleware first.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { createIdweb, loadAppSettings } from 'idweb'
 * import { errorHandler, idweb, type IdwebEnv, requireUser } from 'idweb/hono'
 *
 * const app = new Hono<IdwebEnv>()
 * app.use(idweb(createIdweb(loadAppSettings('appsettings.json'))))
 * app.get('/me', requireUser(), async (c) => c.json(await c.get('identity').callApi('Graph')))
 * app.onError(errorHandler())
 * ```
 */
export function idweb(app: Idweb, options: IdwebHonoOptions = {}): MiddlewareHandler<IdwebEnv> {
  const context = identityContext(app, options)
  // Not an async function: on the common path the middleware hands back next()'s own promise,
  // and costs Hono no extra promise and microtask per request.
  const identify = (c: Context<IdwebEnv>, next: Next): Promise<void> => {
    const found = authenticateContext(app, c)
    if (found instanceof Promise) return found.then((f) => proceed(c, next, f))
    return proceed(c, next, found)
  }
  const proceed = (c: Context<IdwebEnv>, next: Next, found: Authentication): Promise<void> => {
    c.set('idweb', app)
    c.set('identity', createIdentity(context, found.user))
    if (found.setCookies.length === 0) return next()
    return next().then(() => {
      for (const cookie of found.setCookies) c.header('set-cookie', cookie, { append: true })
    })
  }
  return (c, next): MiddlewareAnswer => {
    const methods = app.methodsOf(c.req.path)
    if (methods === undefined) return identify(c, next)
    const request = c.req.raw
    if (!methods.includes(request.method))
      return Promise.resolve(methodNotAllowed(request, methods))
    return app
      .handle(request)
      .then<Awaited<MiddlewareAnswer>>((response) => response ?? identify(c, next))
  }
}

function appOf(c: Context<IdwebEnv>, helper: string): Idweb {
  const app = c.get('idweb')
  if (!app) throw new ConfigError('idweb()', `must be used before ${helper}.`)
  return app
}

/**
 * Lets only signed-in users through. Without a user, a person's navigation is redirected (302) to
 * the sign-in route with `returnTo` set to the requested URL; a program (XHR, `Accept:
 * application/json`) gets 401 JSON `{ "error": "IDW_NOT_SIGNED_IN", ... }`.
 *
 * @example
 * ```ts
 * app.get('/account', requireUser(), (c) => c.json({ name: c.get('identity').claims.name }))
 * ```
 */
export function requireUser(): MiddlewareHandler<IdwebEnv> {
  return (c, next) => {
    if (c.get('identity')?.user) return next()
    return Promise.resolve(notSignedInResponse(appOf(c, 'requireUser()'), c.req.raw))
  }
}

/**
 * Answers "the user must interact" (Identity.Web's `[AuthorizeForScopes]`) for the handlers after
 * it: when one raises `IDW_INTERACTION_REQUIRED` or `IDW_NOT_SIGNED_IN`, people are sent to the
 * provider again for the missing scopes plus `scopes` and come back to the page; programs get 401
 * JSON `{ error, message, reason, scopes, claims?, signInUrl }` with a `WWW-Authenticate`
 * challenge. A downstream API asking again for the re-challenge the user just went through gets
 * its own error answered instead.
 *
 * @example
 * ```ts
 * app.get('/profile', requireUser(), authorizeForScopes(['User.Read']), async (c) => {
 *   const graph = await c.get('identity').graph()
 *   return c.json(await graph.api('/me').get())
 * })
 * ```
 */
export function authorizeForScopes(scopes: readonly string[] = []): MiddlewareHandler<IdwebEnv> {
  const extra = [...scopes]
  return async (c, next) => {
    const app = appOf(c, 'authorizeForScopes()')
    c.set('idwebScopes', extra)
    await next()
    const err = c.error
    if (!err || challenged.has(err) || !needsInteraction(err)) return
    const response = await rechallengeResponse(app, c.req.raw, err, extra)
    if (!response) return
    // Replaced whole: Hono would otherwise merge the error answer's headers into this one.
    c.res = undefined
    c.res = response
  }
}

/**
 * Protects routes of a web API with bearer tokens: validates the `Authorization` header (a
 * repeated header is refused), checks scopes or roles, and sets `c.get('auth')`. Refusals are
 * answered here, per RFC 6750: 401 with `WWW-Authenticate: Bearer ...`, 403
 * `error="insufficient_scope"`, 503 when the issuer's keys cannot be fetched. Needs no other idweb
 * middleware.
 *
 * @example
 * ```ts
 * const validator = createBearerValidator({ discoveryUrl, clientId: apiClientId })
 * app.get('/todos', requireBearer(validator, { scopes: ['Todo.Read'] }), (c) =>
 *   c.json(listTodos(c.get('auth').oid)))
 * ```
 */
export function requireBearer(
  validator: BearerValidator,
  options: RequireBearerOptions = {},
): MiddlewareHandler<IdwebEnv> {
  const check = bearerCheck(validator, options)
  return async (c, next) => {
    const answer = await check(c.req.raw)
    if (answer instanceof Response) return answer
    c.set('auth', answer)
    await next()
  }
}

/**
 * Options of {@link errorHandler}.
 *
 * @example
 * ```ts
 * app.onError(errorHandler({ onError: (err) => report(err) }))
 * ```
 */
export interface ErrorHandlerOptions {
  /**
   * Called for every error answered with a 5xx status. Default: `console.error` of the error (as
   * Hono's own handler does), except when `NODE_ENV` is `test`.
   */
  onError?: (err: unknown, c: Context) => void
}

/**
 * The error handler of an idweb Hono app (`app.onError(errorHandler())`). Never sends a stack
 * trace, and never an error message that is not marked safe to show: a re-challenge for
 * interaction-required errors, RFC 6750 answers for bearer errors, idweb errors with their status,
 * a Hono `HTTPException`'s own response, and any other error as a generic 500.
 *
 * @example
 * ```ts
 * app.onError(errorHandler())
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorHandler<IdwebEnv> {
  const onError = options.onError ?? defaultOnError
  return async (err, c) => {
    const own = httpExceptionResponse(err)
    if (own) return own
    const app = c.get('idweb')
    const request = c.req.raw
    let response: Response
    try {
      const challenge =
        app && needsInteraction(err)
          ? await rechallengeResponse(app, request, err, c.get('idwebScopes') ?? [])
          : undefined
      if (challenge) challenged.add(err)
      response = challenge ?? (await errorAnswer(err, request, app))
    } catch (failure) {
      onError(failure, c)
      response = genericResponse(500, request)
    }
    if (response.status >= 500) onError(err, c)
    return withSetCookies(response, unsentCookies.get(c) ?? [])
  }
}

/**
 * A Hono `HTTPException` answers with its own response. Known by shape, with no runtime import:
 * an `Error` with a numeric `status` and a `getResponse()` (Hono does not set its `name`).
 */
function httpExceptionResponse(err: unknown): Response | undefined {
  if (!(err instanceof Error)) return undefined
  const { getResponse, status } = err as { getResponse?: unknown; status?: unknown }
  if (typeof getResponse !== 'function' || typeof status !== 'number') return undefined
  return getResponse.call(err) as Response
}

function defaultOnError(err: unknown): void {
  if (globalThis.process?.env?.NODE_ENV !== 'test') console.error(err)
}
