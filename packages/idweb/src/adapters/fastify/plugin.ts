import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify'
import fp from 'fastify-plugin'
import type { ApiPrincipal } from '../../api/principal.ts'
import { methodNotAllowed } from '../../web/http.ts'
import type { Idweb } from '../../web/idweb.ts'
import type { Authentication } from '../../web/user.ts'
import {
  createIdentity,
  type IdentityContext,
  type IdentityOptions,
  identityContext,
  type RequestIdentity,
} from '../shared/identity.ts'
import {
  distinctHeaders,
  isUncarriableMethod,
  pathOf,
  toWebHeaders,
} from '../shared/node-request.ts'
import { bodyStream, settleUnreadBody } from '../shared/request-body.ts'
import { type ErrorHandlerOptions, errorHandler } from './error-handler.ts'
import { attachState, requestHref } from './state.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the idweb plugin (`idweb/fastify`) on every request it does not answer itself. */
    identity: RequestIdentity
    /** Set by `requireBearer` (`idweb/fastify`) once the bearer token is valid. */
    auth: ApiPrincipal | null
  }
}

/**
 * Options of {@link idwebPlugin}.
 *
 * @example
 * ```ts
 * await app.register(idwebPlugin, { idweb, errorHandler: { onError: (err) => report(err) } })
 * ```
 */
export interface IdwebPluginOptions extends IdentityOptions {
  /** The idweb app, from `createIdweb`. */
  idweb: Idweb
  /**
   * Set {@link errorHandler} as the error handler of the context the plugin is registered in.
   * Default `true`; `false` when the app sets its own (it can call `errorHandler()` from it).
   */
  errorHandler?: boolean | ErrorHandlerOptions
}

/** The methods idweb's routes are registered for: Fastify's own set, each answered or refused. */
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const

const plugin: FastifyPluginCallback<IdwebPluginOptions> = (fastify, options, done) => {
  const { idweb } = options
  const context = identityContext(idweb, options)
  const { config } = idweb
  const paths = new Set([
    config.signInPath,
    config.callbackPath,
    config.signOutPath,
    config.signedOutCallbackPath,
    config.remoteSignOutPath,
    config.backchannelLogoutPath,
  ])
  fastify.decorateRequest('identity', null as unknown as RequestIdentity)
  fastify.decorateRequest('auth', null)
  fastify.addHook('onRequest', identify(context, paths))
  const answer = answerRoute(idweb)
  for (const url of paths) {
    // Answered in the route's own onRequest hook, before Fastify parses a body: the callback's
    // form post is read by the core, with its own limits, whatever parsers the app registered.
    fastify.route({
      method: [...ROUTE_METHODS],
      url,
      exposeHeadRoute: false,
      onRequest: answer,
      handler: async (_request, reply) => reply,
    })
  }
  if (options.errorHandler !== false) {
    fastify.setErrorHandler(
      errorHandler(typeof options.errorHandler === 'object' ? options.errorHandler : {}),
    )
  }
  done()
}

/**
 * idweb for Fastify 5, as a plugin (wrapped with `fastify-plugin`, so its decorators, hook and
 * error handler apply to the context it is registered in, not a child of it).
 *
 * - Answers `/signin`, `/signin-oidc`, `/signout` and `/signout-callback-oidc` (or the configured
 *   paths) through the framework-neutral core, before any body parser runs.
 * - On every other request, sets `request.identity` ({@link RequestIdentity}, the surface of
 *   Express's `req.identity`) and adds the session's rolled `Set-Cookie` values to the reply. A
 *   request without a `Cookie` header costs nothing.
 * - Sets {@link errorHandler} unless `errorHandler: false`.
 *
 * Register it before the routes that use `request.identity`.
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
 * app.get('/me', { preHandler: [requireUser(), authorizeForScopes(['User.Read'])] }, async (request) => {
 *   const graph = await request.identity.graph()
 *   return graph.api('/me').get()
 * })
 * await app.listen({ port: 3000 })
 * ```
 */
export const idwebPlugin = fp(plugin, { fastify: '5.x', name: 'idweb' })

/** The global onRequest hook: `request.identity` for every request idweb does not answer. */
function identify(context: IdentityContext, paths: ReadonlySet<string>): onRequestHookHandler {
  const { idweb } = context
  return (request, reply, done) => {
    if (paths.has(request.routeOptions.url ?? '')) {
      done()
      return
    }
    const state = attachState(request, idweb)
    if (!request.raw.headers.cookie) {
      request.identity = createIdentity(context, undefined)
      done()
      return
    }
    let authentication: Authentication | Promise<Authentication>
    try {
      authentication = idweb.authenticateNow(state)
    } catch (err) {
      done(err as Error)
      return
    }
    const proceed = ({ user, setCookies }: Authentication) => {
      for (const cookie of setCookies) reply.header('set-cookie', cookie)
      request.identity = createIdentity(context, user)
      done()
    }
    if (!(authentication instanceof Promise)) proceed(authentication)
    else authentication.then(proceed, (err: unknown) => done(err as Error))
  }
}

/** The route-level onRequest hook of idweb's own routes: the core's answer, sent as is. */
function answerRoute(idweb: Idweb) {
  return async function answer(
    this: FastifyInstance,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const methods = idweb.methodsOf(pathOf(request.url)) ?? []
    const method = request.method
    let response: Response | undefined
    if (!methods.includes(method) || isUncarriableMethod(method)) {
      const negotiation = new Request(`http://request.invalid${pathOf(request.url)}`, {
        headers: toWebHeaders(distinctHeaders(request.raw)),
      })
      response = methodNotAllowed(negotiation, methods, method)
    } else {
      const href = requestHref(request)
      const headers = toWebHeaders(distinctHeaders(request.raw))
      const init: RequestInit & { duplex?: 'half' } =
        method === 'GET' || method === 'HEAD'
          ? { method, headers }
          : { method, headers, body: bodyStream(request.raw), duplex: 'half' }
      response = await idweb.handle(new Request(href, init))
    }
    if (!response) {
      // Fastify matched a path the core does not answer (`ignoreTrailingSlash`, say).
      reply.callNotFound()
      return reply
    }
    // What the answer left unread is discarded, so the next request on this keep-alive
    // connection starts at the right byte; a body too large to discard closes it.
    if ((await settleUnreadBody(request.raw)) === 'close') reply.header('connection', 'close')
    return reply.send(response)
  }
}

export type { ErrorHandlerOptions }
