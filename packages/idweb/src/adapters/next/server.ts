import type { UserTokenOptions } from '../../acquisition/acquirer.ts'
import type { ApiPrincipal } from '../../api/principal.ts'
import type { BearerValidator } from '../../api/validator.ts'
import { InteractionRequiredError } from '../../errors.ts'
import type { Idweb } from '../../web/idweb.ts'
import { safeReturnTo } from '../../web/return-to.ts'
import type { Authentication } from '../../web/user.ts'
import {
  bearerCheck,
  errorAnswer,
  notSignedInResponse,
  type RequireBearerOptions,
  rechallengeResponse,
} from '../shared/answers.ts'
import {
  createIdentity,
  type IdentityContext,
  type IdentityOptions,
  identityContext,
  type RequestIdentity,
} from '../shared/identity.ts'
import { needsInteraction } from '../shared/interaction.ts'

/** The request headers of a Server Component or Server Action: what `next/headers` gives. */
export interface HeaderSource {
  /** The value of header `name`, case-insensitive; `null` when absent. */
  get(name: string): string | null
  /** Whether header `name` is present. */
  has(name: string): boolean
}

/**
 * Options of {@link nextIdweb}.
 *
 * @example
 * ```ts
 * import { headers } from 'next/headers'
 * const options: NextIdwebOptions = { headers }
 * ```
 */
export interface NextIdwebOptions extends IdentityOptions {
  /** `headers` from `next/headers`: how Server Components and Server Actions see the request. */
  headers: () => HeaderSource | Promise<HeaderSource>
}

/** A Next.js route handler. */
export type RouteHandler = (request: Request) => Promise<Response>

/**
 * Options of {@link NextIdweb.withIdentity}.
 *
 * @example
 * ```ts
 * const options: WithIdentityOptions = { requireUser: true, scopes: ['Mail.Read'] }
 * ```
 */
export interface WithIdentityOptions {
  /** Refuse anonymous requests as `requireUser` does: people to sign-in, programs a 401. */
  requireUser?: boolean
  /** Extra scopes a re-challenge asks for, as `authorizeForScopes(scopes)`. */
  scopes?: readonly string[]
}

/** What {@link nextIdweb} gives a Next.js App Router app. */
export interface NextIdweb {
  /**
   * The route handlers of idweb's routes. Re-export them from `app/signin/route.ts`,
   * `app/signin-oidc/route.ts`, `app/signout/route.ts` and `app/signout-callback-oidc/route.ts`
   * (or the configured paths): `export const { GET, POST, PUT, PATCH, DELETE } = auth.handlers`.
   * The last three only refuse: idweb answers them 405 with the `Allow` header, which Next.js's
   * own 405 for a method a route does not export lacks.
   */
  readonly handlers: {
    /** Answers `GET` on idweb's routes (404 elsewhere; 405 for a method a route refuses). */
    readonly GET: RouteHandler
    /** Answers `POST` on idweb's routes: the `form_post` callback and sign-out. */
    readonly POST: RouteHandler
    /** Refuses `PUT` with idweb's 405. */
    readonly PUT: RouteHandler
    /** Refuses `PATCH` with idweb's 405. */
    readonly PATCH: RouteHandler
    /** Refuses `DELETE` with idweb's 405. */
    readonly DELETE: RouteHandler
  }
  /**
   * Who is making the request, in a Server Component or Server Action: the same
   * {@link RequestIdentity} as `req.identity` under Express. Read from the session cookie;
   * nothing is written back, since tokens live in the server-side cache and the cookie holds only
   * the session. Built once per request.
   */
  getIdentity(): Promise<RequestIdentity>
  /**
   * An access token for the signed-in user, from the cache or by a refresh that needs no
   * `Set-Cookie`.
   *
   * @throws `IDW_NOT_SIGNED_IN`, or `IDW_INTERACTION_REQUIRED` when the user must consent or sign in
   *   again: send them to {@link NextIdweb.signInUrl} with `redirect()` from `next/navigation`.
   */
  getToken(scopes: readonly string[], options?: UserTokenOptions): Promise<string>
  /**
   * Where to send a user whom `err` says must sign in or consent: the sign-in route asking for the
   * missing scopes (plus `scopes`) and the claims challenge, coming back to `returnTo`. `undefined`
   * when `err` is not such an error: rethrow it.
   */
  signInUrl(err: unknown, returnTo?: string, scopes?: readonly string[]): string | undefined
  /**
   * Wraps a route handler: the handler gets the request's identity; the session's rolled cookie is
   * added to its answer; interaction-required errors are answered with a re-challenge (people) or
   * 401 JSON (programs); any other error with idweb's error answer, never a stack trace.
   */
  withIdentity<C = unknown>(
    handler: (
      request: Request,
      identity: RequestIdentity,
      context: C,
    ) => Response | Promise<Response>,
    options?: WithIdentityOptions,
  ): (request: Request, context: C) => Promise<Response>
}

/** The prompts the sign-in route takes from a link. */
const PROMPTS = new Set(['login', 'consent', 'select_account'])

const NO_ONE: Authentication = Object.freeze({ user: undefined, setCookies: [] })

/**
 * idweb for the Next.js App Router: route handlers for the sign-in routes, the identity of Server
 * Components and Server Actions, and a wrapper for route handlers. Keep one instance per process
 * (a module-level singleton); keep idweb out of the bundle with `serverExternalPackages: ['idweb']`.
 * Give a function that creates the idweb app to create it on first use rather than when
 * `next build` evaluates the module.
 *
 * @example
 * ```ts
 * // lib/auth.ts
 * import { headers } from 'next/headers'
 * import { createIdweb, loadAppSettings } from 'idweb'
 * import { nextIdweb } from 'idweb/next'
 *
 * export const auth = nextIdweb(() => createIdweb(loadAppSettings('appsettings.json')), { headers })
 *
 * // app/profile/page.tsx
 * const me = await auth.getIdentity()
 * const profile = await me.callApi('Graph', { relativePath: 'me' })
 * ```
 */
export function nextIdweb(app: Idweb | (() => Idweb), options: NextIdwebOptions): NextIdweb {
  let made: { idweb: Idweb; context: IdentityContext } | undefined
  // Built on first use: `next build` evaluates route modules to collect their configuration,
  // where an idweb built from production settings may not be wanted (or possible) yet.
  const resolve = () => {
    if (made === undefined) {
      const idweb = typeof app === 'function' ? app() : app
      made = { idweb, context: identityContext(idweb, options) }
    }
    return made
  }
  const identities = new WeakMap<object, Promise<RequestIdentity>>()
  const route: RouteHandler = async (request) =>
    (await resolve().idweb.handle(request)) ?? new Response(null, { status: 404 })

  const getIdentity = async (): Promise<RequestIdentity> => {
    const headers = await options.headers()
    let identity = identities.get(headers)
    if (identity === undefined) {
      identity = (async () => {
        const { idweb, context } = resolve()
        if (!headers.has('cookie')) return createIdentity(context, undefined)
        const found = await idweb.authenticate({ url: originOf(headers), headers })
        return createIdentity(context, found.user)
      })()
      identities.set(headers, identity)
    }
    return identity
  }

  return {
    handlers: { GET: route, POST: route, PUT: route, PATCH: route, DELETE: route },
    getIdentity,
    getToken: async (scopes, tokenOptions) => (await getIdentity()).getToken(scopes, tokenOptions),
    // Only an idweb error builds the app: Next.js's own control-flow errors (a dynamic-rendering
    // bail-out during `next build`, a redirect) must pass through a page's catch untouched.
    signInUrl: (err, returnTo = '/', scopes = []) =>
      needsInteraction(err) ? signInUrl(resolve().idweb, err, returnTo, scopes) : undefined,
    withIdentity: (handler, wrapOptions = {}) => {
      const extra = wrapOptions.scopes ?? []
      return async (request, handlerContext) => {
        const { idweb, context } = resolve()
        let found = request.headers.has('cookie') ? idweb.authenticateNow(request) : NO_ONE
        if (found instanceof Promise) found = await found
        let response: Response
        if (wrapOptions.requireUser && !found.user) {
          response = notSignedInResponse(idweb, request)
        } else {
          try {
            response = await handler(request, createIdentity(context, found.user), handlerContext)
          } catch (err) {
            response =
              (await rechallengeResponse(idweb, request, err, extra)) ??
              (await errorAnswer(err, request, idweb))
            if (response.status >= 500) {
              idweb.logger.error('route handler failed', {
                reason: err instanceof Error ? err.name : typeof err,
              })
            }
          }
        }
        return withCookies(response, found.setCookies)
      }
    },
  }
}

/**
 * The origin a Server Component's request came to, which is all the session layer reads of the
 * URL (whether a `__Host-` cookie applies). A forged `x-forwarded-proto` can only make the
 * request look for another cookie name, and so be anonymous.
 */
function originOf(headers: HeaderSource): string {
  const proto =
    headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https' ? 'https' : 'http'
  const host = headers.get('x-forwarded-host')?.split(',')[0]?.trim() || headers.get('host')
  try {
    return new URL(`${proto}://${host ?? 'localhost'}/`).href
  } catch {
    return `${proto}://localhost/`
  }
}

function signInUrl(
  idweb: Idweb,
  err: unknown,
  returnTo: string,
  scopes: readonly string[],
): string | undefined {
  if (!needsInteraction(err)) return undefined
  const params = new URLSearchParams({ returnTo: safeReturnTo(returnTo) })
  if (err instanceof InteractionRequiredError) {
    const wanted = [...new Set([...err.scopes, ...scopes])]
    if (wanted.length > 0) params.set('scope', wanted.join(' '))
    if (err.claims) params.set('claims', err.claims)
    if (err.prompt && PROMPTS.has(err.prompt)) params.set('prompt', err.prompt)
  } else if (scopes.length > 0) {
    params.set('scope', scopes.join(' '))
  }
  return `${idweb.config.signInPath}?${params}`
}

/** `response` with `setCookies` appended (a copy when its headers are immutable). */
function withCookies(response: Response, setCookies: readonly string[]): Response {
  if (setCookies.length === 0) return response
  try {
    for (const cookie of setCookies) response.headers.append('set-cookie', cookie)
    return response
  } catch {
    const headers = new Headers(response.headers)
    for (const cookie of setCookies) headers.append('set-cookie', cookie)
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    })
  }
}

/**
 * Protects a route handler of a web API with bearer tokens: validates the `Authorization` header,
 * checks scopes or roles, and calls `handler` with the token's principal. Refusals are answered
 * per RFC 6750 (401 with `WWW-Authenticate: Bearer ...`, 403 `insufficient_scope`, 503 when the
 * issuer's keys cannot be fetched). Needs no idweb web app.
 *
 * @example
 * ```ts
 * // app/api/todos/route.ts
 * const validator = createBearerValidator({ discoveryUrl, clientId: apiClientId })
 * export const GET = requireBearer(validator, { scopes: ['Todo.Read'] }, async (request, auth) =>
 *   Response.json(await listTodos(auth.oid)))
 * ```
 */
export function requireBearer<C = unknown>(
  validator: BearerValidator,
  options: RequireBearerOptions,
  handler: (request: Request, auth: ApiPrincipal, context: C) => Response | Promise<Response>,
): (request: Request, context: C) => Promise<Response> {
  const check = bearerCheck(validator, options)
  return async (request, context) => {
    const answer = await check(request)
    if (answer instanceof Response) return answer
    try {
      return await handler(request, answer, context)
    } catch (err) {
      return errorAnswer(err, request, undefined)
    }
  }
}
