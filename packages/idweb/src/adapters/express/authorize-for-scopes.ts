import type { ErrorRequestHandler, RequestHandler } from 'express'
import { rechallengeResponse } from '../shared/answers.ts'
import { needsInteraction } from '../shared/interaction.ts'
import { sendWebResponse } from './send-web-response.ts'
import { stateOf } from './state.ts'

/**
 * Answers "the user must interact" (Identity.Web's `[AuthorizeForScopes]`), in two forms:
 *
 * - `authorizeForScopes(scopes?)`: an error middleware. Put it right after a route's handlers
 *   (Express 5 forwards a rejected promise to it) or once after all routes.
 * - `authorizeForScopes(scopes, handler)`: wraps a handler, catching what it throws or rejects
 *   with, under Express 5 and Express 4 alike; TypeScript infers `req` and `res` as usual.
 *
 * When `req.identity.getToken`, `callApi` or the Graph client raises `IDW_INTERACTION_REQUIRED`
 * (consent missing, a claims challenge, a session whose token cache is empty after a restart, a
 * revoked refresh token) or `IDW_NOT_SIGNED_IN`:
 *
 * - people are sent to the provider again, asking for the missing scopes plus `scopes` and the
 *   claims challenge, and come back to `req.originalUrl`;
 * - programs (XHR, `Accept: application/json`) get 401 JSON `{ error, message, reason, scopes,
 *   claims?, signInUrl }` and `WWW-Authenticate: Bearer error="interaction_required", scope="..."`
 *   (`error="insufficient_claims", claims="<base64>"` for a claims challenge).
 *
 * A downstream API that asks again for the very re-challenge the user just went through (same
 * reason, scopes, claims and page, within two minutes) gets its own error passed on instead, so
 * the user is never sent round for ever. Any other error goes on to the next error middleware.
 * Needs `idwebMiddleware` earlier.
 *
 * Entra refuses an authorization request naming scopes of two resources (AADSTS28000): give
 * scopes of the same API as the ones the handler acquires.
 *
 * @param scopes Scopes to consent to together with the missing ones, e.g. everything the page uses.
 *
 * @example
 * ```ts
 * app.get('/profile', requireUser(), authorizeForScopes(['User.Read'], async (req, res) => {
 *   const graph = await req.identity.graph()
 *   res.render('profile', { me: await graph.api('/me').get() })
 * }))
 *
 * // or as an error middleware after the handler (annotate the handler's parameters then):
 * app.get('/mail', async (req: Request, res: Response) => {
 *   res.json(await req.identity.callApi('GraphApi', { relativePath: 'me/messages', scopes: ['Mail.Read'] }))
 * }, authorizeForScopes(['Mail.Read']))
 * ```
 */
export function authorizeForScopes(scopes?: readonly string[]): ErrorRequestHandler
export function authorizeForScopes(
  scopes: readonly string[],
  handler: RequestHandler,
): RequestHandler
export function authorizeForScopes(
  scopes: readonly string[] = [],
  handler?: RequestHandler,
): ErrorRequestHandler | RequestHandler {
  const extra = [...scopes]
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    const state = stateOf(req)
    if (!needsInteraction(err) || !state || res.headersSent) {
      next(err)
      return
    }
    rechallengeResponse(state.idweb, state.webRequest(), err, extra)
      .then((response) => (response ? sendWebResponse(res, response) : next(err)))
      .catch((failure: unknown) => next(failure))
  }
  if (!handler) return onError
  const wrapped: RequestHandler = (req, res, next) => {
    const fail = (err: unknown) => onError(err, req, res, next)
    try {
      Promise.resolve(handler(req, res, next)).catch(fail)
    } catch (err) {
      fail(err)
    }
  }
  return wrapped
}
