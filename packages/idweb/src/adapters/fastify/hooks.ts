import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  RouteHandlerMethod,
} from 'fastify'
import type { BearerValidator } from '../../api/validator.ts'
import { ConfigError } from '../../errors.ts'
import {
  bearerCheck,
  notSignedInResponse,
  type RequireBearerOptions,
  rechallengeResponse,
} from '../shared/answers.ts'
import { distinctHeaders } from '../shared/node-request.ts'
import { type FastifyState, stateOf } from './state.ts'

function stateFor(request: FastifyRequest, helper: string): FastifyState {
  const state = stateOf(request)
  if (!state) throw new ConfigError('idwebPlugin', `must be registered before ${helper}.`)
  return state
}

/**
 * A preHandler that lets only signed-in users through. Without a user, a person's navigation is
 * redirected (302) to the sign-in route with `returnTo` set to the requested URL; a program (XHR,
 * `Accept: application/json`) gets 401 JSON `{ "error": "IDW_NOT_SIGNED_IN", ... }`.
 *
 * @example
 * ```ts
 * app.get('/account', { preHandler: requireUser() }, async (request) => ({
 *   name: request.identity.claims.name,
 * }))
 * ```
 */
export function requireUser(): preHandlerAsyncHookHandler {
  return async function requireUserHook(request, reply) {
    if (request.identity?.user) return
    const state = stateFor(request, 'requireUser()')
    return reply.send(notSignedInResponse(state.idweb, state.webRequest()))
  }
}

/**
 * Answers "the user must interact" (Identity.Web's `[AuthorizeForScopes]`), in two forms:
 *
 * - `authorizeForScopes(scopes)`: a preHandler naming the scopes of the route. When its handler
 *   raises `IDW_INTERACTION_REQUIRED` or `IDW_NOT_SIGNED_IN`, the plugin's {@link errorHandler}
 *   re-challenges for the missing scopes plus these.
 * - `authorizeForScopes(scopes, handler)`: wraps a handler and answers those errors itself, for
 *   an app that keeps its own error handler.
 *
 * People are sent to the provider again and come back to the page; programs get 401 JSON
 * `{ error, message, reason, scopes, claims?, signInUrl }` with a `WWW-Authenticate` challenge. A
 * downstream API asking again for the re-challenge the user just went through gets its own error
 * answered instead, so nobody is sent round for ever.
 *
 * @example
 * ```ts
 * app.get('/profile', { preHandler: [requireUser(), authorizeForScopes(['User.Read'])] },
 *   async (request) => (await request.identity.graph()).api('/me').get())
 *
 * app.get('/mail', authorizeForScopes(['Mail.Read'], async (request) =>
 *   request.identity.callApi('GraphApi', { relativePath: 'me/messages' })))
 * ```
 */
export function authorizeForScopes(scopes?: readonly string[]): preHandlerAsyncHookHandler
export function authorizeForScopes(
  scopes: readonly string[],
  handler: RouteHandlerMethod,
): RouteHandlerMethod
export function authorizeForScopes(
  scopes: readonly string[] = [],
  handler?: RouteHandlerMethod,
): preHandlerAsyncHookHandler | RouteHandlerMethod {
  const extra = [...scopes]
  if (!handler) {
    return async function authorizeForScopesHook(request) {
      stateFor(request, 'authorizeForScopes()').scopes = extra
    }
  }
  return async function authorizeForScopesHandler(
    this: FastifyInstance,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    try {
      return await handler.call(this, request, reply)
    } catch (err) {
      const state = stateFor(request, 'authorizeForScopes()')
      if (reply.sent) throw err
      const response = await rechallengeResponse(state.idweb, state.webRequest(), err, extra)
      if (!response) throw err
      return reply.send(response)
    }
  }
}

/**
 * A preHandler protecting routes of a web API with bearer tokens: validates the `Authorization`
 * header (a repeated header is refused, not half-read), checks scopes or roles, and sets
 * `request.auth`. Refusals are answered here, per RFC 6750: 401 with `WWW-Authenticate: Bearer
 * ...`, 403 `error="insufficient_scope"`, 503 when the issuer's keys cannot be fetched. A bad token
 * never becomes a 500. Needs no plugin registration.
 *
 * @example
 * ```ts
 * const validator = createBearerValidator({ discoveryUrl, clientId: apiClientId })
 * app.get('/todos', { preHandler: requireBearer(validator, { scopes: ['Todo.Read'] }) },
 *   async (request) => listTodos(request.auth?.oid))
 * ```
 */
export function requireBearer(
  validator: BearerValidator,
  options: RequireBearerOptions = {},
): preHandlerAsyncHookHandler {
  const check = bearerCheck(validator, options)
  return async function requireBearerHook(request, reply) {
    const answer = await check(distinctHeaders(request.raw))
    if (answer instanceof Response) return reply.send(answer)
    request.auth = answer
  }
}
